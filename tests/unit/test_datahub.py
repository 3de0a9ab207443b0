"""Data Hub client: output parsing, error classes, the acoms-cli wrapper against the fake."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from demo.fake_datahub import install_fake_cli
from tasks.datahub.client import (
    AcomsCli,
    DatahubCredentials,
    RemoteFile,
    classify,
    created_after,
    creation_date,
    parse_list,
    parse_view,
)
from tasks.datahub.state import STATE_PATH, DownloadState, fetch_code, needed_files, state_lock
from tasks.errors import DatahubAccessError, DatahubAuthError, DatahubTransientError, DownloadError, LockError
from tasks.store import Store

LIST_OUTPUT = """\
ACO-MS CLI v2.3.1
List Of Datahub Folders & File Types :
Claim and Claim Line Feed (CCLF) Files
-----Claim and Claim Line Feed (CCLF) Files, Code 113
-----Weekly Claim and Claim Line Feed Files, Code 305
Reports
-----Assignment Report, Code 116
-----Annual Assignment Report, Code  129
-----Assignment Report, Code 116
Session closed, lasted about 4.3s.
"""

VIEW_OUTPUT = """\
ACO-MS CLI v2.3.1
 Found 3 files.
 List of Files
 1 of 3 - P.A1234.ACO.ZCY25.D250122.T1621240.zip (925.93 MB) Last Updated: 2025-01-24T14:33:13.000Z
 2 of 3 - Participants List (2025) final.csv (3.82 KB) Last Updated: 2025-02-01T00:00:00.000Z
 3 of 3 - Providers and Suppliers List 2025.csv (12.00 B)   Last Updated: 2025-02-02T10:00:00.000Z
Session closed, lasted about 2.1s.
"""

SECRET = "planted-secret-7c1e9a"


def test_parse_list_keeps_order_and_dedups():
    assert parse_list(LIST_OUTPUT) == ["113", "305", "116", "129"]


def test_parse_list_fails_closed_on_garbage():
    with pytest.raises(DownloadError):
        parse_list("Welcome\nCode 113\nSession closed")


def test_parse_view_with_spaces_and_parentheses_in_names():
    files = parse_view(VIEW_OUTPUT)
    assert [f.name for f in files] == [
        "P.A1234.ACO.ZCY25.D250122.T1621240.zip",
        "Participants List (2025) final.csv",
        "Providers and Suppliers List 2025.csv",
    ]
    assert files[0] == RemoteFile(
        "P.A1234.ACO.ZCY25.D250122.T1621240.zip", "925.93 MB", "2025-01-24T14:33:13.000Z"
    )
    assert files[1].size == "3.82 KB"


def test_parse_view_no_files_found():
    assert parse_view("banner\n No files found.\nSession closed, lasted about 1s.\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "banner\nSession closed, lasted about 1s.\n",
        "Something went wrong, please retry",
        VIEW_OUTPUT.replace("Found 3 files", "Found 4 files"),
        VIEW_OUTPUT.replace(" 2 of 3 - ", " 2 of 2 - "),
        VIEW_OUTPUT.replace(" Found 3 files.\n", ""),
        VIEW_OUTPUT.replace("Participants List (2025) final.csv", "../escape.csv"),
        VIEW_OUTPUT.replace("Participants List (2025) final.csv", "config.txt"),
    ],
)
def test_parse_view_fails_closed(text):
    with pytest.raises(DownloadError):
        parse_view(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Error: Request failed with status code 502", "transient"),
        ("503 Service Unavailable", "transient"),
        ("Error: read ECONNRESET", "transient"),
        ("connect ETIMEDOUT 10.0.0.1:443", "transient"),
        ("connect ECONNREFUSED", "transient"),
        ("Request failed with status code 401", "auth"),
        ("Unauthorized", "auth"),
        ("Error: config.txt not found", "auth"),
        ("Failed to authenticate", "auth"),
        ("status code 403", "access"),
        ("Forbidden", "access"),
        ("Error: invalid file type", "permanent"),
        ("code 4030 is not a status", "permanent"),
    ],
)
def test_classify(text, kind):
    assert classify(text) == kind


def test_classify_timeout_is_transient():
    assert classify("", timed_out=True) == "transient"


def test_creation_date_and_created_after():
    assert creation_date("P.A1234.ACO.ZC1Y24.D240115.T1112201") == dt.date(2024, 1, 15)
    assert creation_date("P.A1234.BNEX.Y2025.D20250301.T0000000.xml") == dt.date(2025, 3, 1)
    assert creation_date("P.A1234.ACO.ZCY25.D259999.T1.zip") is None
    assert creation_date("Participants List.csv") is None
    files = [RemoteFile("P.A1.D250301.T1", "", "x"), RemoteFile("P.A1.D250115.T1", "", "x")]
    assert created_after(files) == dt.date(2025, 1, 15)
    assert created_after([*files, RemoteFile("P.A1.D259999.T1", "", "x")]) is None


# --- the wrapper against the fake -----------------------------------------------------


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    root = tmp_path / "hub"
    folder = root / "A1234" / "2025" / "113"
    folder.mkdir(parents=True)
    (folder / "P.A1234.ACO.ZCY25.D250122.T1621240.zip").write_bytes(b"PK\x03\x04 claims")
    (folder / "P.A1234.ACO.ZCR25.D250301.T0900000.zip").write_bytes(b"PK\x03\x04 runout")
    (root / "A1234" / "2025" / "116").mkdir()
    (root / "A1234" / "2025" / "116" / "Participants List 2025.csv").write_text("a,b\n")
    return root


def make_cli(tmp_path: Path, hub: Path, key="good-key", secret="good-secret", **env) -> AcomsCli:
    env = {"FAKE_DATAHUB_API_KEY": "good-key", "FAKE_DATAHUB_API_SECRET": "good-secret",
           "FAKE_DATAHUB_REQUIRE_PRIVATE": "1", **env}
    command = install_fake_cli(hub, tmp_path / "bin", env)
    creds = DatahubCredentials(SecretStr(key), SecretStr(secret))
    return AcomsCli(command, creds, work_root=tmp_path / "work", pause=0)


def test_cli_list_view_download_in_private_dirs(tmp_path, hub):
    cli = make_cli(tmp_path, hub)
    assert cli.list_codes("A1234", 2025) == ["113", "116"]
    files = cli.view("A1234", 2025, "116")
    assert [f.name for f in files] == ["Participants List 2025.csv"]
    dest = tmp_path / "dest"
    dest.mkdir()
    moved = cli.download("A1234", 2025, "113", dt.date(2025, 3, 1), dest)
    assert moved == ["P.A1234.ACO.ZCR25.D250301.T0900000.zip"]  # createdAfter is inclusive
    assert sorted(os.listdir(dest)) == moved  # config.txt never taken as data
    assert list((tmp_path / "work").iterdir()) == []  # private dirs removed


def test_configure_runs_once_non_interactively(tmp_path, hub):
    log = tmp_path / "calls.log"
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_CALL_LOG=str(log))
    cli.list_codes("A1234", 2025)
    cli.view("A1234", 2025, "113")
    calls = log.read_text().splitlines()
    assert calls[0] == "configure"
    assert [c.split()[0] for c in calls[1:]] == ["datahub", "datahub"]
    assert "good-secret" not in log.read_text()


def test_config_text_credentials_skip_configure(tmp_path, hub):
    config = json.dumps({"apiKey": "good-key", "apiSecret": "good-secret"})
    command = install_fake_cli(hub, tmp_path / "bin", {
        "FAKE_DATAHUB_API_KEY": "good-key", "FAKE_DATAHUB_API_SECRET": "good-secret",
        "FAKE_DATAHUB_CALL_LOG": str(tmp_path / "calls.log")})
    cli = AcomsCli(command, DatahubCredentials(config_text=SecretStr(config)),
                   work_root=tmp_path / "work", pause=0)
    assert cli.list_codes("A1234", 2025) == ["113", "116"]
    assert "configure" not in (tmp_path / "calls.log").read_text()


def test_bad_credentials_raise_auth_error_without_secret(tmp_path, hub):
    cli = make_cli(tmp_path, hub, secret=SECRET)
    with pytest.raises(DatahubAuthError) as info:
        cli.list_codes("A1234", 2025)
    assert SECRET not in str(info.value) and "\n" not in str(info.value)
    assert list((tmp_path / "work").iterdir()) == []


def test_forbidden_aco_is_access_error(tmp_path, hub):
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_FORBIDDEN="A1234")
    with pytest.raises(DatahubAccessError):
        cli.view("A1234", 2025, "113")


def test_transient_download_failure_leaves_nothing(tmp_path, hub):
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_FAIL_DOWNLOADS="1",
                   FAKE_DATAHUB_FAIL_KIND="ECONNRESET", FAKE_DATAHUB_FAIL_PARTIAL="1")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(DatahubTransientError, match="ECONNRESET"):
        cli.download("A1234", 2025, "113", None, dest)
    assert list(dest.iterdir()) == []  # the partial file stayed in the deleted workdir
    assert len(cli.download("A1234", 2025, "113", None, dest)) == 2


def test_timeout_is_transient(tmp_path, hub):
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_LATENCY="5")
    cli._config = SecretStr(json.dumps({"apiKey": "good-key", "apiSecret": "good-secret"}))
    cli.timeout = 0.5
    with pytest.raises(DatahubTransientError, match="timed out"):
        cli.list_codes("A1234", 2025)


def test_redacts_secrets_from_relayed_output(tmp_path, hub):
    cli = make_cli(tmp_path, hub, secret=SECRET)
    err = cli._error("A1234", "view", f"Error: bad token {SECRET} rejected", False)
    assert SECRET not in str(err) and "***" in str(err)


# --- download state and the per-code procedure ----------------------------------------


def test_state_round_trip_and_atomic_write(tmp_path):
    store = Store(str(tmp_path / "store"))
    state = DownloadState()
    remote = RemoteFile("P.A1234.ACO.ZCY25.D250122.T1621240.zip", "1 KB", "2025-01-24T00:00:00Z")
    state.mark("A1234/2025/113/" + remote.name, remote, 10, "ab" * 32)
    state.save(store)
    saved = json.loads((tmp_path / "store" / STATE_PATH).read_text())
    assert saved["version"] == 1
    assert saved["files"]["A1234/2025/113/" + remote.name]["sha256"] == "ab" * 32
    assert DownloadState.load(store).is_current("A1234/2025/113/" + remote.name, remote)
    assert sorted(os.listdir(tmp_path / "store" / ".mssp")) == ["datahub_state.json"]
    assert list(store.walk()) == []  # the state is never data


def test_unreadable_state_fails_closed(tmp_path):
    store = Store(str(tmp_path / "store"))
    store.write_bytes(STATE_PATH, b"{not json")
    with pytest.raises(DownloadError):
        DownloadState.load(store)


def test_state_lock_refuses_a_second_holder(tmp_path):
    store = Store(str(tmp_path / "store"))
    with state_lock(store):
        with pytest.raises(LockError):
            with state_lock(store):
                pass
    with state_lock(store):  # released
        pass


def test_needed_files_rules(tmp_path):
    store = Store(str(tmp_path / "store"))
    a, b = RemoteFile("a.zip", "", "t1"), RemoteFile("b.zip", "", "t1")
    state = DownloadState()
    state.mark("A1234/2025/113/a.zip", a, 1, "x")
    state.mark("A1234/2025/113/b.zip", b, 1, "x")
    store.write_bytes("A1234/2025/113/a.zip", b"1")
    assert needed_files([a, b], state, store, "A1234", 2025, "113") == [b]  # b missing
    store.write_bytes("A1234/2025/113/b.zip", b"1")
    assert needed_files([a, b], state, store, "A1234", 2025, "113") == []
    changed = RemoteFile("a.zip", "", "t2")
    assert needed_files([changed, b], state, store, "A1234", 2025, "113") == [changed]
    assert needed_files([a, b], state, store, "A1234", 2025, "113", "full") == [a, b]
    assert needed_files([a, b], DownloadState(), store, "A1234", 2025, "113", "skip") == []


def test_fetch_code_stores_verified_files_and_state(tmp_path, hub):
    cli = make_cli(tmp_path, hub)
    store = Store(str(tmp_path / "store"))
    needed = cli.view("A1234", 2025, "113")
    result = fetch_code(cli, store, "A1234", 2025, "113", needed, tmp_path / "staging", "")
    assert sorted(result.downloaded) == sorted(f"A1234/2025/113/{f.name}" for f in needed)
    for f in needed:
        data = (hub / "A1234" / "2025" / "113" / f.name).read_bytes()
        assert store.read_bytes(f"A1234/2025/113/{f.name}") == data
    state = DownloadState.load(store)
    assert all(state.is_current(f"A1234/2025/113/{f.name}", f) for f in needed)
    assert [o.path for o in store.walk()] == sorted(f"A1234/2025/113/{f.name}" for f in needed)
    assert list((tmp_path / "staging").iterdir()) == []


def test_fetch_code_reports_files_that_did_not_arrive(tmp_path, hub):
    cli = make_cli(tmp_path, hub)
    store = Store(str(tmp_path / "store"))
    ghost = RemoteFile("P.A1234.ACO.ZCY25.D250401.T0000000.zip", "1 KB", "t")
    with pytest.raises(DatahubTransientError, match="did not arrive"):
        fetch_code(cli, store, "A1234", 2025, "113", [ghost], tmp_path / "staging", "")
    assert not store.exists(f"A1234/2025/113/{ghost.name}")
    assert store.read_bytes(STATE_PATH) is None


def test_fetch_code_accepts_an_empty_file_only_when_listed_empty(tmp_path, hub):
    folder = hub / "A1234" / "2025" / "183"
    folder.mkdir()
    (folder / "P.A1234.ACO.MBIY25.D250122.T1621240.txt").write_bytes(b"")
    cli = make_cli(tmp_path, hub)
    store = Store(str(tmp_path / "store"))
    (listed,) = cli.view("A1234", 2025, "183")
    assert listed.size == "0.00 B"
    result = fetch_code(cli, store, "A1234", 2025, "183", [listed], tmp_path / "staging", "")
    assert result.downloaded == [f"A1234/2025/183/{listed.name}"]
    assert store.read_bytes(result.downloaded[0]) == b""
    truncated = RemoteFile(listed.name, "1.20 KB", "later")  # the hub says bytes, an empty file arrived
    with pytest.raises(DatahubTransientError, match="did not arrive"):
        fetch_code(cli, store, "A1234", 2025, "183", [truncated], tmp_path / "staging", "")


def test_fetch_code_retry_skips_files_stored_earlier_in_the_run(tmp_path, hub):
    log = tmp_path / "calls.log"
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_CALL_LOG=str(log))
    store = Store(str(tmp_path / "store"))
    needed = cli.view("A1234", 2025, "113")
    state = DownloadState()
    first = f"A1234/2025/113/{needed[0].name}"
    state.mark(first, needed[0], 1, "x")  # as if an earlier attempt of this run stored it
    state.save(store)
    since = state.files[first]["downloaded_at"]
    result = fetch_code(cli, store, "A1234", 2025, "113", needed, tmp_path / "staging", since)
    assert result.downloaded == [f"A1234/2025/113/{needed[1].name}"]
    assert log.read_text().splitlines()[-1].endswith("--createdAfter=2025-01-22")


def test_calls_for_one_aco_are_serialised_and_spaced(tmp_path, hub):
    import threading
    import time

    log = tmp_path / "calls.log"
    cli = make_cli(tmp_path, hub, FAKE_DATAHUB_CALL_LOG=str(log))
    cli.list_codes("A1234", 2025)  # configure + first call
    cli.pause = 1.0
    started = time.monotonic()
    threads = [threading.Thread(target=cli.view, args=("A1234", 2025, c)) for c in ("113", "116")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 2.0  # two calls, each at least 1 s after the previous
    assert len(log.read_text().splitlines()) == 4


def test_demo_settings_point_the_pipeline_at_the_fake(tmp_path, hub):
    from demo.fake_datahub import demo_settings
    from tasks.settings import load_settings

    settings = load_settings(aco_id="A1234", **demo_settings(hub, tmp_path / "bin"))
    creds = DatahubCredentials(settings.datahub_api_key, settings.datahub_api_secret)
    cli = AcomsCli(settings.datahub_cli, creds, work_root=tmp_path / "work", pause=0)
    assert cli.list_codes("A1234", 2025) == ["113", "116"]
