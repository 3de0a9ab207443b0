"""The download flow against the fake Data Hub into a local file store."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from blocks.store import options_from_env
from demo.fake_datahub import install_fake_cli
from flows.download import DownloadSummary, download
from tasks.datahub.state import STATE_PATH, DownloadState
from tasks.errors import ConfigError, DownloadError
from tasks.settings import Settings
from tasks.store import Store

try:
    from tests.integration.servers import cloud_store, prefect_api
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from servers import cloud_store, prefect_api  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parents[2]
YEAR = dt.date.today().year
SECRET = "planted-secret-51f0c2d9e7"


@pytest.fixture(scope="module", autouse=True)
def prefect_api_url(request):
    """The session Prefect server of tests/conftest.py when it has one, else our own."""
    try:
        request.getfixturevalue("prefect_server")
    except pytest.FixtureLookupError:
        pass
    with prefect_api() as url:
        yield url


def build_hub(root: Path) -> dict[str, bytes]:
    """A tiny synthetic hub; returns the allow-listed files as store key -> bytes."""
    yy, py = YEAR % 100, (YEAR - 1) % 100
    files = {
        f"A1234/{YEAR - 1}/113/P.A1234.ACO.ZCY{py:02d}.D{py:02d}0115.T1112200.zip": b"PK\x03\x04a",
        f"A1234/{YEAR - 1}/116/Participants List {YEAR - 1}.csv": b"tin,name\n1,x\n",
        f"A1234/{YEAR}/113/P.A1234.ACO.ZCY{yy:02d}.D{yy:02d}0110.T0900000.zip": b"PK\x03\x04b",
        f"A1234/{YEAR}/113/P.A1234.ACO.ZCR{yy:02d}.D{yy:02d}0120.T0900000.zip": b"PK\x03\x04c",
    }
    for key, data in files.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    skipped = root / f"A1234/{YEAR}/273/PCFLEX report.csv"  # listed, not allow-listed
    skipped.parent.mkdir(parents=True)
    skipped.write_bytes(b"x")
    return files


@pytest.fixture
def hub(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path / "hub"
    return root, build_hub(root)


def make_settings(tmp_path: Path, hub_root: Path, secret: str = "good-secret", **env) -> Settings:
    env = {"FAKE_DATAHUB_API_KEY": "good-key", "FAKE_DATAHUB_API_SECRET": "good-secret",
           "FAKE_DATAHUB_REQUIRE_PRIVATE": "1",
           "FAKE_DATAHUB_CALL_LOG": str(tmp_path / "calls.log"), **env}
    return Settings(
        aco_id="A1234", file_store=str(tmp_path / "store"), temp_location=str(tmp_path / "tmp"),
        start_year=YEAR - 1, datahub_cli=install_fake_cli(hub_root, tmp_path / "bin", env),
        datahub_api_key="good-key", datahub_api_secret=secret,
    )


def run(settings: Settings) -> DownloadSummary:
    return download(settings, retry_base_seconds=0, call_pause_seconds=0)


def downloads_logged(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "calls.log").read_text().splitlines()
    return [line for line in lines if "--download" in line]


def test_download_then_rerun_downloads_nothing(tmp_path, hub):
    root, files = hub
    settings = make_settings(tmp_path, root)
    summary = run(settings)
    assert summary.ok
    assert summary.files_listed == 4 and summary.files_needed == 4
    assert sorted(summary.downloaded) == sorted(files)
    assert summary.codes_skipped == [f"{YEAR}/273"]
    store = Store(settings.file_store)
    assert [o.path for o in store.walk()] == sorted(files)
    for key, data in files.items():
        with store.open(key) as handle:
            assert handle.read() == data
    assert not list(Path(settings.file_store).rglob("config.txt"))
    assert not list((tmp_path / "tmp").rglob("*.*"))  # private dirs and staging are gone
    assert not store.exists(".mssp/datahub_state.lock")
    state = DownloadState.load(store)
    assert sorted(state.files) == sorted(files)
    assert all(record["size"] == len(files[k]) for k, record in state.files.items())
    assert len(downloads_logged(tmp_path)) == 3  # one call per (year, code)

    again = run(settings)
    assert again.ok and again.files_listed == 4
    assert again.files_needed == 0 and again.downloaded == []
    assert len(downloads_logged(tmp_path)) == 3  # no new download call


def test_changed_last_updated_downloads_again(tmp_path, hub):
    root, files = hub
    settings = make_settings(tmp_path, root)
    run(settings)
    key = next(k for k in files if "ZCR" in k)
    (root / key).write_bytes(b"PK\x03\x04 reissued")
    os.utime(root / key, (1_900_000_000, 1_900_000_000))
    summary = run(settings)
    assert summary.downloaded == [key]
    assert Store(settings.file_store).read_bytes(key) == b"PK\x03\x04 reissued"
    assert downloads_logged(tmp_path)[-1].endswith(f"--createdAfter={YEAR}-01-20")
    assert DownloadState.load(Store(settings.file_store)).files[key]["last_updated"].startswith(
        "2030-03-17T17:46:40"
    )


def test_file_missing_from_store_is_downloaded_again(tmp_path, hub):
    root, files = hub
    settings = make_settings(tmp_path, root)
    run(settings)
    key = sorted(files)[0]
    (Path(settings.file_store) / key).unlink()
    assert run(settings).downloaded == [key]


def test_transient_failures_are_retried_and_succeed(tmp_path, hub):
    root, files = hub
    settings = make_settings(tmp_path, root, FAKE_DATAHUB_FAIL_DOWNLOADS="2",
                             FAKE_DATAHUB_FAIL_KIND="502", FAKE_DATAHUB_FAIL_PARTIAL="1")
    summary = run(settings)
    assert summary.ok and sorted(summary.downloaded) == sorted(files)
    assert len(downloads_logged(tmp_path)) == 3 + 2
    store = Store(settings.file_store)
    assert {k: store.read_bytes(k) for k in files} == files  # no partial file kept


def test_persistent_transient_failure_is_reported_and_others_continue(tmp_path, hub):
    root, files = hub
    settings = make_settings(tmp_path, root, FAKE_DATAHUB_FAIL_DOWNLOADS="4",
                             FAKE_DATAHUB_FAIL_KIND="ETIMEDOUT")
    summary = run(settings)  # first code: 4 attempts fail; the other codes succeed
    assert not summary.ok
    failed_key = sorted(k for k in files if k.startswith(f"A1234/{YEAR - 1}/113/"))
    assert sorted(summary.failed) == failed_key
    assert "ETIMEDOUT" in summary.failed[failed_key[0]]
    assert sorted(summary.downloaded) == sorted(set(files) - set(failed_key))
    state = DownloadState.load(Store(settings.file_store))
    assert failed_key[0] not in state.files


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(logging.Formatter().format(record))


def test_bad_credentials_end_the_run_without_leaking_the_secret(tmp_path, hub):
    root, _ = hub
    settings = make_settings(tmp_path, root, secret=SECRET)
    records = _Records()
    logging.getLogger().addHandler(records)
    logging.getLogger("prefect").addHandler(records)
    try:
        with pytest.raises(DownloadError, match="authentication failed") as info:
            run(settings)
    finally:
        logging.getLogger().removeHandler(records)
        logging.getLogger("prefect").removeHandler(records)
    assert SECRET not in str(info.value) and "\n" not in str(info.value)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["configure", "datahub"]  # never retried
    assert records.text and not any(SECRET in line for line in records.text)
    assert not list(tmp_path.rglob("config.txt"))
    assert Store(settings.file_store).read_bytes(STATE_PATH) is None


def test_bad_credentials_cli_exits_1_with_one_clean_line(tmp_path, hub, prefect_api_url):
    root, _ = hub
    cli = install_fake_cli(root, tmp_path / "bin", {
        "FAKE_DATAHUB_API_KEY": "good-key", "FAKE_DATAHUB_API_SECRET": "good-secret"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSSP_")}
    env |= {
        "PYTHONPATH": str(REPO), "PREFECT_API_URL": prefect_api_url,
        "MSSP_ACO_ID": "A1234", "MSSP_FILE_STORE": str(tmp_path / "store"),
        "MSSP_TEMP_LOCATION": str(tmp_path / "tmp"), "MSSP_START_YEAR": str(YEAR),
        "MSSP_DATAHUB_CLI": cli, "MSSP_DATAHUB_API_KEY": "good-key",
        "MSSP_DATAHUB_API_SECRET": SECRET,
    }
    proc = subprocess.run([sys.executable, "-m", "flows.download"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Data Hub authentication failed for ACO A1234")
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        logs = client.read_logs(limit=200)
        runs = client.read_flow_runs(limit=50)
    assert logs and not any(SECRET in log.message for log in logs)
    assert runs and not any(SECRET in json.dumps(r.parameters, default=str) for r in runs)
    assert not list(tmp_path.rglob("config.txt"))


def test_forbidden_aco_ends_the_run(tmp_path, hub):
    root, _ = hub
    settings = make_settings(tmp_path, root, FAKE_DATAHUB_FORBIDDEN="A1234")
    with pytest.raises(DownloadError, match="access denied"):
        run(settings)


def test_skip_mode_calls_nothing(tmp_path, hub):
    root, _ = hub
    settings = make_settings(tmp_path, root).model_copy(update={"download_mode": "skip"})
    assert run(settings) == DownloadSummary()
    assert not (tmp_path / "calls.log").exists()


@pytest.mark.parametrize("kind", ["s3", "az", "gs"])
def test_download_into_cloud_store(kind, tmp_path, hub, monkeypatch):
    root, files = hub
    with cloud_store(kind, tmp_path) as (url, env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = make_settings(tmp_path, root).model_copy(update={"file_store": url})
        summary = run(settings)
        assert summary.ok and sorted(summary.downloaded) == sorted(files)

        store = Store(url, options_from_env(url, env))  # read back through the catalog's API
        assert [o.path for o in store.walk()] == sorted(files)
        for key, data in files.items():
            with store.open(key) as handle:
                assert handle.read() == data
        state = DownloadState.load(store)
        assert sorted(state.files) == sorted(files)
        assert not store.exists(".mssp/datahub_state.lock")

        again = run(settings)  # the state travels with the store
        assert again.files_needed == 0 and again.downloaded == []


def test_credentials_and_store_from_blocks(tmp_path, hub, monkeypatch):
    from prefect.blocks.system import Secret
    from prefect_aws import AwsCredentials
    from prefect_aws.client_parameters import AwsClientParameters

    root, files = hub
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    Secret(value=json.dumps({"api_key": "good-key", "api_secret": "good-secret"})).save(
        "mssp-datahub-test", overwrite=True
    )
    with cloud_store("s3", tmp_path) as (url, env):
        AwsCredentials(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
            aws_client_parameters=AwsClientParameters(endpoint_url=env["AWS_ENDPOINT_URL"]),
        ).save("mssp-store-test", overwrite=True)
        settings = make_settings(tmp_path, root).model_copy(update={
            "file_store": url, "store_block": "mssp-store-test",
            "datahub_secret_block": "mssp-datahub-test",
            "datahub_api_key": None, "datahub_api_secret": None,
        })
        summary = run(settings)
        assert summary.ok and sorted(summary.downloaded) == sorted(files)
        store = Store(url, options_from_env(url, env))
        assert [o.path for o in store.walk()] == sorted(files)


def test_missing_secret_block_is_a_config_error(tmp_path, hub):
    root, _ = hub
    settings = make_settings(tmp_path, root).model_copy(
        update={"datahub_secret_block": "no-such-block"}
    )
    with pytest.raises(ConfigError, match="MSSP_DATAHUB_SECRET_BLOCK"):
        run(settings)
