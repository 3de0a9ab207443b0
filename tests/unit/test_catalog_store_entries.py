"""Store entries that are not plain files are rejected by the catalog, never opened (issue 14 item 7)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from tasks.catalog import build_catalog
from tasks.store import Store, not_plain_file

FOLDER = "A1234/2025/131"
ALR = "P.A1234.ACO.QALR.2025Q1.D259999.T0100000_1-{}.csv"


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    (root / FOLDER).mkdir(parents=True)
    (root / FOLDER / ALR.format(1)).write_text("BENE_MBI_ID\n1EG4TE5MK73\n")
    return root


@pytest.mark.timeout(30)  # a FIFO that is opened blocks forever
def test_links_fifos_and_sockets_are_rejected_and_never_opened(
    store_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = store_root / FOLDER
    outside = tmp_path / "outside.csv"
    outside.write_text("BENE_MBI_ID\n1EG4TE5MK73\n")
    (folder / ALR.format(2)).symlink_to("/etc/passwd")
    (folder / ALR.format(4)).symlink_to(outside)
    (folder / ALR.format(5)).symlink_to(folder / ALR.format(1))  # inside the store: refused too
    (folder / ALR.format(6)).symlink_to(tmp_path / "gone.csv")
    (folder / ALR.format(9)).symlink_to(tmp_path)
    os.mkfifo(folder / ALR.format(10))
    with socket.socket(socket.AF_UNIX) as sock:
        monkeypatch.chdir(folder)  # a socket path must be short: bind by relative name
        sock.bind(ALR.format(11))
        catalog = build_catalog(Store(str(store_root)), tmp_path / "tmp")

    reasons = {e.file_path.rsplit("_1-", 1)[1]: e.reject_reason for e in catalog.entries}
    assert reasons["1.csv"] is None  # the plain file is placed
    assert reasons["2.csv"] == reasons["4.csv"] == reasons["5.csv"] == (
        "not a plain file: a symbolic link (links are never followed)"
    )
    assert reasons["6.csv"] == "not a plain file: a dangling symbolic link (links are never followed)"
    assert reasons["9.csv"] == "not a plain file: a symbolic link to a directory (links are never followed)"
    assert reasons["10.csv"] == "not a plain file: a named pipe (FIFO), never opened"
    assert reasons["11.csv"] == "not a plain file: a socket"
    assert all(e.kind is None and e.size_bytes == 0 for e in catalog.entries if e.reject_reason)


def test_a_linked_directory_is_not_descended(store_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ALR.format(2)).write_text("BENE_MBI_ID\n")
    (store_root / FOLDER / "more").symlink_to(elsewhere)
    objects = list(Store(str(store_root)).walk())
    assert [(o.path, o.problem is None) for o in objects] == [
        (f"{FOLDER}/{ALR.format(1)}", True),
        (f"{FOLDER}/more", False),
    ]


def test_devices_are_not_plain_files() -> None:
    assert not_plain_file(stat.S_IFCHR | 0o666, "/dev/null") == "not a plain file: a device"
    assert not_plain_file(stat.S_IFBLK | 0o660, "/dev/sda") == "not a plain file: a device"
    assert not_plain_file(stat.S_IFREG | 0o644, "/x") is None


@pytest.mark.parametrize("bad", ["\n", "\r", "\x1b[31m", "\u2028", "\t"])
def test_a_control_character_in_a_name_is_rejected_and_shown_escaped(
    store_root: Path, tmp_path: Path, bad: str
) -> None:
    import io
    import zipfile

    forged = ALR.format(2).replace("_1-2", f"_1-2{bad}INFO: all good")
    (store_root / FOLDER / forged).write_text("BENE_MBI_ID\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(ALR.format(4), "BENE_MBI_ID\n")
        zf.writestr(ALR.format(5).replace("_1-5", f"_1-5{bad}x"), "BENE_MBI_ID\n")
    bundle = "P.A1234.ACO.QALR.2025Q2.D259999.T0200000"
    (store_root / FOLDER / bundle).write_bytes(buf.getvalue())

    catalog = build_catalog(Store(str(store_root)), tmp_path / "tmp")
    rejected = [e for e in catalog.entries if e.reject_reason]
    assert len(rejected) == 2 and len(catalog.entries) == 4  # plain file + good member placed
    for entry in rejected:
        assert entry.reject_reason == "file name holds a control or invisible character (shown escaped)"
        assert entry.file_path.isprintable() and repr(bad)[1:-1] in entry.file_path
        assert entry.kind is None
