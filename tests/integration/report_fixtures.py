"""Fixtures of the report tests: a small synthetic warehouse with PHI canaries, a dbt
run_results.json, and headless Chromium driven over the DevTools protocol.

All data is synthetic. The canaries look like PHI (an MBI, a name, a birth date) and are
planted where a careless query would pick them up; the report must never show them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.ledger import LEDGER_DDL, RAW_METADATA_COLUMNS

CANARY_MBI = "1EG4TE5MK73"
CANARY_NAME = "ZZCANARYNAME"
CANARY_DOB = "1931-02-03"
CANARIES = (CANARY_MBI, CANARY_NAME, CANARY_DOB)

MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
INSTITUTIONAL_PERSONS = [30, 32, 31, 45, 33, 5]
"""Month 4 jumps +45% (flagged); month 6 has 5 beneficiaries (suppressed)."""
PROFESSIONAL_PERSONS = [40] * 6
ATTRIBUTION = {
    "111111111": [20] * 6,
    "222222222": [15, 15, 15, 25, 25, 25],
    "333333333": [14] * 6,
    "444444444": [13] * 6,
    "555555555": [12, 8, 8, 8, 8, 8],
    "666666666": [3] * 6,
    "777777777": [2] * 6,
}
"""Top 5 TINs + other (5 persons: suppressed); 555555555 below 11 after January; in January
only 'other' is small, so the smallest other cell (555555555, 12) is suppressed too."""
SMALL_TIN = "555555555"


@dataclass(frozen=True)
class FixtureWarehouse:
    path: Path
    with_dbt: bool


def _meta_values(file_name: str, file_date: dt.date, row: int) -> list[object]:
    return [f"cclf/{file_name}", file_name, "cclf", file_date, row, "l-raw"]


def _raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    meta = ", ".join(f"{n} {t}" for n, t in RAW_METADATA_COLUMNS)
    con.execute(
        "create table raw_data.beneficiary_demographics (bene_mbi_id varchar, "
        f"bene_fst_name varchar, bene_lst_name varchar, bene_dob varchar, {meta})"
    )
    con.execute(
        "insert into raw_data.beneficiary_demographics values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            CANARY_MBI,
            CANARY_NAME,
            CANARY_NAME,
            CANARY_DOB,
            *_meta_values("P.A9999.ACO.ZC8Y24.D240115.T1200000", dt.date(2024, 1, 15), 1),
        ],
    )
    con.execute(
        "create table raw_data.partb_physicians (cur_clm_uniq_id varchar, clm_line_num varchar, "
        f"bene_mbi_id varchar, clm_line_cvrd_pd_amt varchar, {meta})"
    )
    con.execute(
        "insert into raw_data.partb_physicians values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            "9000000001",
            "1",
            CANARY_MBI,
            "50.00",
            *_meta_values("P.A9999.ACO.ZC5Y24.D240115.T1200000", dt.date(2024, 1, 15), 1),
        ],
    )


def _ledger(con: duckdb.DuckDBPyConnection) -> None:
    jan, feb = dt.date(2024, 1, 15), dt.date(2024, 2, 15)
    t1, t2 = dt.datetime(2024, 3, 1, 2, 0), dt.datetime(2024, 3, 2, 2, 0)

    def cclf(n: str, d: dt.date) -> str:
        return f"cclf/P.A9999.ACO.ZC{n}Y24.D{d:%y%m%d}.T1200000"

    rows = [
        # run 1: January delivery
        (
            "l1",
            "r1",
            cclf("1", jan),
            "cclf",
            "parta_claims_header",
            100,
            100,
            0,
            "loaded",
            None,
            t1,
        ),
        ("l2", "r1", cclf("5", jan), "cclf", "partb_physicians", 200, 205, 3, "loaded", None, t1),
        (
            "l3",
            "r1",
            cclf("8", jan),
            "cclf",
            "beneficiary_demographics",
            61,
            61,
            0,
            "loaded",
            None,
            t1,
        ),
        (
            "l4",
            "r1",
            "alr/P.A9999.ACO.QALR.2024Q1.D240120.T0100000_1-1.csv",
            "alr",
            "aalr1_assigned_beneficiaries",
            76,
            None,
            0,
            "loaded",
            None,
            t1,
        ),
        (
            "l5",
            "r1",
            "cclf/P.A9999.ACO.ZCY24.D240115.T1200000.zip",
            "cclf",
            None,
            0,
            None,
            0,
            "rejected",
            "P.A9999.ACO.ZCY24.D240115.T1200000.zip: cannot open zip (bad CRC)",
            t1,
        ),
        # run 2: February delivery, a re-issued January CCLF5, a failed CCLF8
        (
            "l6",
            "r2",
            cclf("1", jan),
            "cclf",
            "parta_claims_header",
            0,
            None,
            0,
            "unchanged",
            None,
            t2,
        ),
        ("l7", "r2", cclf("5", jan), "cclf", "partb_physicians", 203, 205, 2, "replaced", None, t2),
        (
            "l8",
            "r2",
            cclf("1", feb),
            "cclf",
            "parta_claims_header",
            110,
            112,
            0,
            "loaded",
            None,
            t2,
        ),
        (
            "l9",
            "r2",
            cclf("8", feb),
            "cclf",
            "beneficiary_demographics",
            0,
            None,
            0,
            "failed",
            f"{cclf('8', feb)}: record 7 bene {CANARY_MBI} has bad date {CANARY_DOB}",
            t2,
        ),
    ]
    for load_id, run_id, path, family, table, loaded, expected, rejected, status, msg, at in rows:
        con.execute(
            "insert into mssp_meta.file_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                run_id,
                path,
                family,
                table,
                "0" * 64,
                1000,
                jan if "D2401" in path else feb,
                loaded,
                expected,
                rejected,
                status,
                msg,
                at,
                at,
            ],
        )
    rejects = [("l2", cclf("5", jan), i) for i in (4, 9, 17)]
    rejects += [("l7", cclf("5", jan), i) for i in (4, 9)]
    for load_id, path, row in rejects:
        con.execute(
            "insert into mssp_meta.rejected_records values (?, ?, ?, ?)",
            [load_id, path, row, f"record length 120, expected 180 (bene {CANARY_MBI})"],
        )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Bulk insert through Arrow (DuckDB's executemany is slow for thousands of rows)."""
    schema, name = table.split(".")
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]
    data = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
    con.register("fixture_rows", data)
    con.execute(f"insert into {table} select * from fixture_rows")
    con.unregister("fixture_rows")


def _persons(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def _input_layer(con: duckdb.DuckDBPyConnection, with_eligibility: bool) -> None:
    con.execute("create schema input_layer")
    con.execute(
        "create table input_layer.medical_claim (claim_id varchar, claim_line_number integer, "
        "claim_type varchar, person_id varchar, member_id varchar, claim_start_date date, "
        "claim_end_date date, paid_amount double, allowed_amount double, "
        "data_source varchar, file_name varchar)"
    )
    medical = []
    for kind, counts, lines, paid in (
        ("institutional", INSTITUTIONAL_PERSONS, 2, 100.0),
        ("professional", PROFESSIONAL_PERSONS, 1, 50.0),
    ):
        for month, n in zip(MONTHS, counts, strict=True):
            people = _persons("M", n)
            if month == MONTHS[0] and kind == "institutional":
                people[0] = CANARY_MBI
            for person in people:
                claim = f"{kind[:4]}-{month:%Y%m}-{person}"
                for line in range(1, lines + 1):
                    medical.append(
                        (
                            claim,
                            line,
                            kind,
                            person,
                            person,
                            month + dt.timedelta(3),
                            month + dt.timedelta(4),
                            paid,
                            paid,
                            "medicare cclf",
                            "P.A9999.ACO.ZC1Y24.D240115.T1200000",
                        )
                    )
    _insert(con, "input_layer.medical_claim", medical)
    con.execute(
        "create table input_layer.pharmacy_claim (claim_id varchar, claim_line_number integer, "
        "person_id varchar, member_id varchar, dispensing_date date, ndc_code varchar, "
        "paid_amount double, data_source varchar)"
    )
    pharmacy = [
        (f"rx-{m:%Y%m}-{p}", 1, p, p, m + dt.timedelta(9), "00002143380", 10.0, "medicare cclf")
        for m in MONTHS
        for p in _persons("M", 20)
    ]
    _insert(con, "input_layer.pharmacy_claim", pharmacy)
    if with_eligibility:
        con.execute(
            "create table input_layer.eligibility (person_id varchar, member_id varchar, "
            "gender varchar, birth_date date, first_name varchar, last_name varchar, "
            "enrollment_start_date date, enrollment_end_date date, data_source varchar)"
        )
        spans = [
            (
                p,
                p,
                "female",
                dt.date(1950, 5, 5),
                "Synthetic",
                "Person",
                dt.date(2024, 1, 1),
                dt.date(2024, 6, 30),
                "medicare cclf",
            )
            for p in _persons("M", 60)
        ]
        spans += [
            (
                p,
                p,
                "male",
                dt.date(1952, 7, 7),
                "Synthetic",
                "Person",
                dt.date(2024, 4, 1),
                dt.date(2024, 6, 30),
                "medicare cclf",
            )
            for p in _persons("N", 15)
        ]
        spans.append(
            (
                CANARY_MBI,
                CANARY_MBI,
                "female",
                dt.date.fromisoformat(CANARY_DOB),
                CANARY_NAME,
                CANARY_NAME,
                dt.date(2024, 1, 1),
                dt.date(2024, 6, 30),
                "medicare cclf",
            )
        )
        _insert(con, "input_layer.eligibility", spans)
    con.execute(
        "create table input_layer.provider_attribution (person_id varchar, member_id varchar, "
        "year_month varchar, payer varchar, plan varchar, data_source varchar, "
        "payer_attributed_provider varchar, payer_attributed_provider_practice varchar)"
    )
    attributed = []
    for tin, counts in ATTRIBUTION.items():
        for month, n in zip(MONTHS, counts, strict=True):
            people = _persons(f"A{tin[0]}", n)
            if tin == "111111111":
                people[0] = CANARY_MBI
            attributed += [
                (p, p, f"{month:%Y%m}", "medicare", "medicare", "medicare cclf", "1234567893", tin)
                for p in people
            ]
    _insert(con, "input_layer.provider_attribution", attributed)


def _alr(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema alr")
    con.execute(
        "create table alr.enrollment (current_bene_mbi_id varchar, enrollment_start_date date, "
        "enrollment_end_date date, bene_member_month date)"
    )
    rows = [(p, dt.date(2024, 1, 1), dt.date(2024, 3, 31), None) for p in _persons("M", 40)]
    rows.append((CANARY_MBI, dt.date(2024, 1, 1), dt.date(2024, 3, 31), None))
    _insert(con, "alr.enrollment", rows)


def make_warehouse(
    path: Path, *, with_dbt: bool = True, with_eligibility: bool = True
) -> FixtureWarehouse:
    """A DuckDB file with the ledger and raw tables; with_dbt adds input_layer and alr."""
    con = duckdb.connect(str(path))
    try:
        for statement in LEDGER_DDL:
            con.execute(statement)
        _ledger(con)
        _raw_tables(con)
        if with_dbt:
            _input_layer(con, with_eligibility)
            _alr(con)
    finally:
        con.close()
    return FixtureWarehouse(path=path, with_dbt=with_dbt)


def write_run_results(path: Path) -> Path:
    """A dbt run_results.json of a build: passing models and tests, one failing test."""
    results = [
        {
            "unique_id": "model.mssp_cclf.medical_claim",
            "status": "success",
            "failures": None,
            "message": "OK",
        },
        {
            "unique_id": "model.mssp_cclf.eligibility",
            "status": "success",
            "failures": None,
            "message": "OK",
        },
        {
            "unique_id": "test.mssp_cclf.unique_medical_claim_claim_id.abc",
            "status": "pass",
            "failures": 0,
            "message": None,
        },
        {
            "unique_id": "test.mssp_cclf.not_null_eligibility_person_id.def",
            "status": "warn",
            "failures": 2,
            "message": "Got 2 results, configured to warn if != 0",
        },
        {
            "unique_id": "test.mssp_cclf.accepted_values_medical_claim_claim_type.fed",
            "status": "fail",
            "failures": 3,
            "message": f"Got 3 results, configured to fail if != 0 ({CANARY_MBI})",
        },
        {
            "unique_id": "unit_test.mssp_cclf.medical_claim.latest_version",
            "status": "pass",
            "failures": 0,
            "message": None,
        },
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "metadata": {"dbt_version": "1.11.0", "generated_at": "2024-03-02T02:10:00Z"},
                "results": results,
                "elapsed_time": 12.5,
                "args": {"which": "build"},
            }
        )
    )
    return path


# --- headless Chromium over the DevTools protocol ------------------------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


def ensure_chromium() -> str:
    """Path of chromium; installs the Debian package (as root) when it is absent."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("chromium is not installed and this user cannot apt-get install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env, capture_output=True
    )
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("apt-get installed chromium but it is not on PATH")
    return found


class _Devtools:
    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=20)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, timeout: float = 30.0, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, timeout: float = 30.0) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(message)
            if message.get("method") == method:
                return
        raise TimeoutError(method)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.events.append(json.loads(self.ws.recv(timeout=0.2)))
            except TimeoutError:
                continue


def console_errors(events: list[dict]) -> list[str]:
    """Console errors, uncaught exceptions and browser log errors among DevTools events."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append("console: " + " ".join(str(a.get("value")) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + str(params["exceptionDetails"].get("text")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append("log: " + str(params["entry"].get("text")))
    return errors


@contextmanager
def chromium_page(width: int = 1280, height: int = 2400) -> Iterator[_Devtools]:
    """A headless Chromium page over DevTools (Page, Runtime and Log enabled); closed on exit."""
    chromium = ensure_chromium()
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as user_data:
        log_path = Path(user_data) / "stderr.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={user_data}/profile",
                    f"--window-size={width},{height}",
                    "about:blank",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            port_file = Path(user_data) / "profile" / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.is_file() and port_file.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chromium did not start: " + log_path.read_text()[-500:])
                time.sleep(0.1)
            port = int(port_file.read_text().split()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page = next(t for t in targets if t.get("type") == "page")
            devtools = _Devtools(page["webSocketDebuggerUrl"])
            try:
                for domain in ("Page", "Runtime", "Log"):
                    devtools.call(f"{domain}.enable")
                devtools.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                yield devtools
                try:
                    devtools.call("Browser.close", timeout=5)
                except Exception:  # noqa: BLE001 - the socket closes with the browser
                    pass
            finally:
                devtools.ws.close()
        finally:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _open(devtools: _Devtools, html_path: Path) -> None:
    devtools.call("Page.navigate", url=html_path.resolve().as_uri())
    devtools.wait_event("Page.loadEventFired")
    devtools.drain(0.5)


def render_in_chromium(
    html_path: Path, screenshot: Path, width: int = 1280, height: int = 2400
) -> list[str]:
    """Open the page in headless Chromium, save a PNG screenshot, return console errors."""
    import base64

    with chromium_page(width, height) as devtools:
        _open(devtools, html_path)
        shot = devtools.call("Page.captureScreenshot", format="png")
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    return console_errors(devtools.events)


def evaluate_in_chromium(html_path: Path, expression: str, *, media: str = "") -> object:
    """The JSON value of a JavaScript expression on the loaded page (``media="print"`` emulates printing)."""
    with chromium_page() as devtools:
        if media:
            devtools.call("Emulation.setEmulatedMedia", media=media)
        _open(devtools, html_path)
        result = devtools.call("Runtime.evaluate", expression=expression, returnByValue=True)
    if "exceptionDetails" in result:
        raise RuntimeError(f"evaluate: {result['exceptionDetails'].get('text')}")
    return result["result"].get("value")


if __name__ == "__main__":  # regenerate docs/report_screenshot.png from the demo's own report
    # uv run python -m flows.full_run --demo
    # PYTHONPATH=. uv run python tests/integration/report_fixtures.py docs/report_screenshot.png \
    #     data/demo/mssp.duckdb <dbt run_results.json ...>
    # (without a warehouse argument: the fixture warehouse of these tests)
    import sys

    from tasks.report import build_report

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report_screenshot.png")
    with tempfile.TemporaryDirectory() as tmp:
        if len(sys.argv) > 2:
            warehouse, results = Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
        else:
            warehouse = make_warehouse(Path(tmp) / "mssp.duckdb").path
            results = [write_run_results(Path(tmp) / "dbt" / "cclf" / "target" / "run_results.json")]
        html = build_report(warehouse, Path(tmp) / "report.html", results)
        problems = render_in_chromium(html, target)
    print(target, "console errors:", problems)
