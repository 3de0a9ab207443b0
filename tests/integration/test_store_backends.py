"""tasks.store.Store on S3 (moto), Azure Blob (Azurite) and GCS (gcp-storage-emulator)."""

from __future__ import annotations

import hashlib

import pytest

from blocks.store import options_from_env
from tasks.store import Store

try:
    from tests.integration.servers import cloud_store
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from servers import cloud_store  # type: ignore[no-redef]


@pytest.fixture(params=["local", "s3", "az", "gs"])
def store(request, tmp_path) -> Store:
    if request.param == "local":
        yield Store(str(tmp_path / "store"))
        return
    with cloud_store(request.param, tmp_path) as (url, env):
        yield Store(url, options_from_env(url, env))


def test_write_read_walk_round_trip(store, tmp_path):
    source = tmp_path / "P.A1234.ACO.ZCY25.D250122.T1621240.zip"
    source.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    store.put_file(source, "A1234/2025/113/" + source.name)
    store.write_bytes("A1234/2025/116/Participants List 2025.csv", b"tin\n1\n")
    store.write_bytes(".mssp/datahub_state.json", b"{}")
    store.write_bytes("A1234/.hidden/x.csv", b"x")

    assert [(o.path, o.size) for o in store.walk()] == [
        ("A1234/2025/113/" + source.name, source.stat().st_size),
        ("A1234/2025/116/Participants List 2025.csv", 6),
    ]
    with store.open("A1234/2025/113/" + source.name) as handle:
        assert handle.read() == source.read_bytes()
    assert store.sha256("A1234/2025/113/" + source.name) == hashlib.sha256(
        source.read_bytes()
    ).hexdigest()
    assert store.read_bytes(".mssp/datahub_state.json") == b"{}"
    assert store.read_bytes("A1234/missing") is None
    assert store.size("A1234/missing") is None


def test_replace_and_exclusive_create(store):
    assert store.write_bytes("A1234/2025/113/f", b"old")
    assert store.write_bytes("A1234/2025/113/f", b"new")
    assert store.read_bytes("A1234/2025/113/f") == b"new"
    assert store.write_bytes(".mssp/lock", b"one", exclusive=True)
    assert not store.write_bytes(".mssp/lock", b"two", exclusive=True)
    assert store.read_bytes(".mssp/lock") == b"one"
    store.remove(".mssp/lock")
    assert not store.exists(".mssp/lock")
    assert store.write_bytes(".mssp/lock", b"three", exclusive=True)
