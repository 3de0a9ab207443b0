"""Small synthetic raw CCLF tables and a dbt/cclf build runner for the integration tests.

``RawCclf`` collects rows the way the loader writes them (contract §4: every CCLF layout column
as VARCHAR, then ``file_path, file_name, directory_name, file_date, file_row_number, load_id``)
plus ``alr.enrollment`` rows, and writes them into a DuckDB file. All values are synthetic.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from tasks.families import CCLF_TABLES
from tasks.layouts import fixed_width_layout
from tasks.ledger import RAW_METADATA_COLUMNS

REPO = Path(__file__).resolve().parents[2]
CCLF_PROJECT = REPO / "dbt" / "cclf"
CLAIM_TYPES = "123456789"


def cclf_columns(code: str) -> list[str]:
    """Raw source columns of CCLF<code>: the lowercased layout names, in layout order."""
    return fixed_width_layout(f"CCLF{code}").columns


def cclf_name(code: str, d: str = "240115", t: str = "1000001", kind: str = "Y") -> str:
    """A CCLF member name, e.g. ``P.A9999.ACO.ZC1Y24.D240115.T1000001`` (kind Y, R, WY, WR)."""
    return f"P.A9999.ACO.ZC{code}{kind}{d[:2]}.D{d}.T{t}"


def _date_from_name(name: str) -> dt.date | None:
    m = re.search(r"\.D(\d{6})\.", name)
    return dt.datetime.strptime(m.group(1), "%y%m%d").date() if m else None


@dataclass
class RawCclf:
    """Raw CCLF rows per table code ('1'..'9') and alr.enrollment rows."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    enrollment: list[tuple[str, dt.date | None, dt.date | None, dt.date | None]] = field(default_factory=list)
    _row_numbers: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(
        self,
        code: str,
        file: str | None = None,
        *,
        raw_file_date: Any = "from_name",
        row_number: int | None = None,
        **values: Any,
    ) -> None:
        """Add one raw row of CCLF<code>; unknown column names raise (catches typos)."""
        columns = set(cclf_columns(code))
        unknown = set(values) - columns
        if unknown:
            raise KeyError(f"CCLF{code} has no column(s) {sorted(unknown)}")
        name = file or cclf_name(code)
        if row_number is None:
            self._row_numbers[name] += 1
            row_number = self._row_numbers[name]
        file_date = _date_from_name(name) if raw_file_date == "from_name" else raw_file_date
        meta = {
            "file_path": f"A9999/2024/{name}",
            "file_name": name,
            "directory_name": "A9999/2024",
            "file_date": file_date,
            "file_row_number": row_number,
            "load_id": "test-load",
        }
        self.rows[code].append({**{k: _text(v) for k, v in values.items()}, **meta})

    def enroll(
        self,
        mbi: str,
        start: str | None,
        end: str | None,
        member_month: str | None = None,
    ) -> None:
        """One alr.enrollment row (a span, or a member month when member_month is set)."""
        conv = lambda s: dt.date.fromisoformat(s) if s else None  # noqa: E731
        self.enrollment.append((mbi, conv(start), conv(end), conv(member_month)))

    def write(self, db_path: Path, codes: Sequence[str] = CLAIM_TYPES, with_alr: bool = True) -> None:
        """Create raw_data.<table> for each code (all layout columns) and alr.enrollment."""
        con = duckdb.connect(str(db_path))
        try:
            con.execute("create schema if not exists raw_data")
            for code in codes:
                table = CCLF_TABLES[code]
                src = cclf_columns(code)
                meta = [name for name, _ in RAW_METADATA_COLUMNS]
                ddl = ", ".join([f'"{c}" VARCHAR' for c in src] + [f'"{n}" {t}' for n, t in RAW_METADATA_COLUMNS])
                con.execute(f"create or replace table raw_data.{table} ({ddl})")
                rows = [tuple(r.get(c) for c in src) + tuple(r[m] for m in meta) for r in self.rows.get(code, [])]
                if rows:
                    marks = ", ".join(["?"] * (len(src) + len(meta)))
                    con.executemany(f"insert into raw_data.{table} values ({marks})", rows)
            if with_alr:
                con.execute("create schema if not exists alr")
                con.execute(
                    "create or replace table alr.enrollment (current_bene_mbi_id VARCHAR, "
                    "enrollment_start_date DATE, enrollment_end_date DATE, bene_member_month DATE)"
                )
                if self.enrollment:
                    con.executemany("insert into alr.enrollment values (?, ?, ?, ?)", self.enrollment)
        finally:
            con.close()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


@dataclass
class DbtBuild:
    success: bool
    failures: list[str]  # "<status> <node name>" for errors and failed tests
    warnings: list[str]  # node names of tests that warned
    output: str


def run_cclf_build(db_path: Path, work_dir: Path, dbt_vars: dict[str, Any] | None = None) -> DbtBuild:
    """`dbt build` of dbt/cclf in a subprocess against db_path (the DuckDB file is free again
    when it returns); profiles, target/ and logs/ under work_dir."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "profiles.yml").write_text(
        "mssp:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: '{db_path}'\n      threads: 2\n"
    )
    dbt = str(Path(sys.executable).parent / "dbt")
    common = [
        "--project-dir",
        str(CCLF_PROJECT),
        "--profiles-dir",
        str(work_dir),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if not (CCLF_PROJECT / "dbt_packages" / "mssp_common").exists():
        subprocess.run([dbt, "deps", *common], check=True, capture_output=True, timeout=120)
    args = [dbt, "build", *common, "--target-path", str(work_dir / "target"), "--no-partial-parse", "--no-use-colors"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    failures: list[str] = []
    warnings: list[str] = []
    run_results = work_dir / "target" / "run_results.json"
    if run_results.exists():
        for r in json.loads(run_results.read_text())["results"]:
            if r["status"] in ("error", "fail", "runtime error", "skipped"):
                failures.append(f"{r['status']} {r['unique_id']}: {r.get('message')}")
            elif r["status"] == "warn":
                warnings.append(r["unique_id"].split(".")[2])
    if proc.returncode != 0 and not failures:
        failures.append(proc.stdout[-3000:] + proc.stderr[-2000:])
    return DbtBuild(proc.returncode == 0, failures, warnings, proc.stdout)


def query(db_path: Path, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run a read-only query on the built DuckDB file."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
