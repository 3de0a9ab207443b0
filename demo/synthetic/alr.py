"""Synthetic ALR deliveries (quarterly 131, annual 129, initial HASSGN 116) for one population.

Names, headers and quirks follow shared/reference/alr_layouts/README.md and alr_semantics.md §2:
one CSV per table inside an extension-less zip named like the members' common stem; the initial
assignment zip sits inside a ``HASSGN`` zip. Quarterly 1-1 files start with a BOM, use CRLF and
have no final newline; 1-2 files use CRLF; quarterly headers are quoted. Content is consistent
with the population: the MBI CMS used at the period end (``mbi_on``), the beneficiary's clinician
as top TIN/NPI, ``EnrollFlag`` months 0 after the month of death. Output is byte-identical for
the same population (fixed zip timestamps, seeded choices).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from demo.synthetic.population import Beneficiary, Population
from tasks.families import ALR_TABLES

ZIP_DATE = (2025, 1, 1, 0, 0, 0)
ID7 = [
    "BENE_MBI_ID",
    "BENE_HIC_NUM",
    "BENE_1ST_NAME",
    "BENE_LAST_NAME",
    "BENE_SEX_CD",
    "BENE_BRTH_DT",
    "BENE_DEATH_DT",
]
TURNOVER_FLAGS = ["PLUR_R05", "AB_R01", "HMO_R03", "NO_US_R02", "MDM_R04", "NOFND_R06"]
Rows = list[list[str]]


# --- file helpers (shared with reports.py) --------------------------------------------------


def csv_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    crlf: bool = False,
    bom: bool = False,
    final_newline: bool = True,
    quote_header: bool = False,
) -> bytes:
    """A CSV document with the requested quirks (RFC 4180 quoting of values as needed)."""
    out = io.StringIO()
    term = "\r\n" if crlf else "\n"
    if quote_header:
        out.write(",".join(f'"{h}"' for h in header) + term)
    else:
        csv.writer(out, lineterminator=term).writerow(header)
    csv.writer(out, lineterminator=term).writerows(rows)
    text = out.getvalue()
    if not final_newline and text.endswith(term):
        text = text[: -len(term)]
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def zip_bytes(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip with fixed timestamps and attributes, so the same members give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def write_store_file(
    store_root: Path, aco: str, year: int, code: str, name: str, data: bytes
) -> Path:
    path = Path(store_root) / aco / str(year) / code / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def mdy(day: dt.date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


# --- periods --------------------------------------------------------------------------------


def quarter_window(py: int, q: int) -> tuple[dt.date, dt.date]:
    """PQn covers the 12 months ending with that quarter (alr_semantics.md §4)."""
    end_month = add_months(dt.date(py, 3 * q, 1), 1)
    return add_months(end_month, -12), end_month - dt.timedelta(days=1)


def initial_window(py: int) -> tuple[dt.date, dt.date]:
    return dt.date(py - 2, 10, 1), dt.date(py - 1, 9, 30)


def year_window(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- content --------------------------------------------------------------------------------


def _hcc_count(py: int) -> tuple[str, int]:
    return ("V24", 86) if py <= 2024 else ("V28", 115)


def _enroll_flag(b: Beneficiary, month: dt.date) -> str:
    if b.death_date and month > b.death_date:
        return "0"
    age = month.year - b.birth_date.year
    if b.index % 53 == 0:
        return "1"
    if age < 65:
        return "2"
    return "3" if b.dual_status in ("02", "04") else "4"


def _id7(b: Beneficiary, end: dt.date) -> list[str]:
    return [
        b.mbi_on(end),
        "",
        b.first_name,
        b.last_name,
        b.sex,
        mdy(b.birth_date),
        mdy(b.death_date if b.death_date and b.death_date <= end else None),
    ]


def _score(rng: random.Random) -> str:
    return f"{rng.uniform(0.3, 3.5):.14f}".rstrip("0")


class AlrDelivery:
    """The six tables of one ALR delivery for one window (rows only; names elsewhere)."""

    def __init__(
        self, pop: Population, key: str, start: dt.date, end: dt.date, py: int, report: str
    ) -> None:
        self.rng = random.Random(f"{pop.seed}:{pop.aco_id}:{key}")
        self.pop, self.start, self.end, self.py, self.report = pop, start, end, py, report
        alive = [b for b in pop.beneficiaries if not (b.death_date and b.death_date < start)]
        self.assigned = [b for b in alive if self.rng.random() < 0.9]
        chosen = {b.index for b in self.assigned}
        self.turnover = [b for b in pop.beneficiaries if b.index not in chosen]
        self.voluntary = {b.index for b in self.assigned if self.rng.random() < 0.1}

    def table_1_1(self) -> tuple[list[str], Rows]:
        version, n_hcc = _hcc_count(self.py)
        header = [
            *ID7,
            "GEO_SSA_CNTY_CD_NAME",
            "GEO_SSA_STATE_NAME",
            "STATE_COUNTY_CD",
            "IN_VA_MAX",
            "VA_TIN",
            "VA_NPI",
            "CBA_FLAG",
            "ASSIGNMENT_TYPE",
            "ASSIGNED_BEFORE",
            "ASG_STATUS",
            "PARTD_MONTHS",
            *[f"EnrollFlag{i}" for i in range(1, 13)],
            "HCC_version",
            *[f"HCC_COL_{i}" for i in range(1, n_hcc + 1)],
            *[f"BENE_RSK_R_SCRE_{i:02d}" for i in range(1, 13)],
            "ESRD_SCORE",
            "DIS_SCORE",
            "AGDU_SCORE",
            "AGND_SCORE",
            "DEM_ESRD_SCORE",
            "DEM_DIS_SCORE",
            "DEM_AGDU_SCORE",
            "DEM_AGND_SCORE",
            "NEW_ENROLLEE",
            "LTI_STATUS",
            "BENE_RACE_CD",
            "BENE_PSNYRS_DUAL",
        ]
        quarterly = self.report == "QALR"
        rows: Rows = []
        for b in self.assigned:
            rng = self.rng
            va = b.index in self.voluntary
            flags = [_enroll_flag(b, add_months(self.start, m)) for m in range(12)]
            hcc = ["1" if rng.random() < 0.06 else "0" for _ in range(n_hcc)]
            risk = [("" if quarterly else _score(rng)) for _ in range(12)]
            scores = [(_score(rng) if quarterly else "") for _ in range(4)]
            dem = [_score(rng) for _ in range(4)]
            months = sum(f != "0" for f in flags)
            rows.append(
                [
                    *_id7(b, self.end),
                    b.state[2].upper(),
                    b.state[0],
                    f"{b.state[1]}{b.index % 900:03d}",
                    "1" if va else "0",
                    b.clinician.tin if va else "",
                    b.clinician.npi if va else "",
                    "0",
                    "VA" if va else "CLAIMS",
                    "1" if b.index % 3 else "0",
                    "A",
                    str(rng.randrange(0, 13)),
                    *flags,
                    version,
                    *hcc,
                    *risk,
                    *scores,
                    *dem,
                    "1" if b.index % 41 == 0 else "0",
                    "0",
                    b.race,
                    f"{months / 12 if b.dual_status in ('02', '04') else 0:.14f}".rstrip("0"),
                ]
            )
        return header, rows

    def table_1_2(self) -> tuple[list[str], Rows]:
        rows: Rows = []
        tins = sorted({c.tin for c in self.pop.clinicians})
        for b in self.assigned:
            top = self.rng.randrange(6, 30)
            rows.append([*_id7(b, self.end), b.clinician.tin, str(top)])
            other = [t for t in tins if t != b.clinician.tin]
            if other and self.rng.random() < 0.3:
                rows.append(
                    [*_id7(b, self.end), self.rng.choice(other), str(self.rng.randrange(1, top))]
                )
        return [*ID7, "MASTER_ID", "B_EM_LINE_CNT_T"], rows

    def table_1_4(self) -> tuple[list[str], Rows]:
        rows: Rows = []
        for b in self.assigned:
            top = self.rng.randrange(4, 20)
            rows.append([*_id7(b, self.end), b.clinician.tin, b.clinician.npi, str(top)])
            peers = [
                c for c in self.pop.clinicians if c.tin == b.clinician.tin and c != b.clinician
            ]
            if peers and self.rng.random() < 0.3:
                peer = self.rng.choice(peers)
                rows.append(
                    [*_id7(b, self.end), peer.tin, peer.npi, str(self.rng.randrange(1, top))]
                )
        return [*ID7, "MASTER_ID", "NPI_USED", "PCS_COUNT"], rows

    def table_1_5(self) -> tuple[list[str], Rows]:
        rows: Rows = []
        for b in self.turnover:
            flags = ["0"] * len(TURNOVER_FLAGS)
            flags[4 if b.death_date and b.death_date < self.start else b.index % 4] = "1"
            rows.append([*_id7(b, self.end), *flags])
        return [*ID7, *TURNOVER_FLAGS], rows

    def table_1_6(self) -> tuple[list[str], Rows]:
        rows = [
            [*_id7(b, self.end), "1" if b.index in self.voluntary else "0"]
            for b in self.assigned
            if b.index in self.voluntary or b.index % 7 == 0
        ]
        return [*ID7, "VA_SELECTION_ONLY"], rows

    def table_1_9(self) -> tuple[list[str], Rows]:
        rows: Rows = []
        for b in self.assigned:
            if b.index % 3:
                continue
            dual = "1" if b.dual_status in ("02", "04") else "0"
            rows.append(
                [
                    b.mbi_on(self.end),
                    str(1 + b.index % 100),
                    str(b.index % 2),
                    dual,
                    "1.0" if dual == "1" else "0.5",
                    "1.0",
                ]
            )
        return [
            "BENE_MBI_ID",
            "ADI_NATRANK",
            "BENE_LIS_STATUS",
            "BENE_DUAL_STATUS",
            "BENE_PSNYRS_LIS_DUAL",
            "BENE_PSNYRS",
        ], rows

    def tables(self) -> dict[str, tuple[list[str], Rows]]:
        out = {"1": self.table_1_1(), "2": self.table_1_2(), "4": self.table_1_4()}
        if self.report == "QALR":
            out["5"] = self.table_1_5()
        out["6"] = self.table_1_6()
        out["9"] = self.table_1_9()
        return out


def _members(
    stem: str, delivery: AlrDelivery, quirks: bool
) -> tuple[list[tuple[str, bytes]], Counter[str]]:
    members: list[tuple[str, bytes]] = []
    counts: Counter[str] = Counter()
    for table, (header, rows) in delivery.tables().items():
        data = csv_bytes(
            header,
            rows,
            crlf=quirks and table in ("1", "2"),
            bom=quirks and table == "1",
            final_newline=not (quirks and table == "1"),
            quote_header=quirks,
        )
        members.append((f"{stem}_1-{table}.csv", data))
        counts[ALR_TABLES[table]] += len(rows)
    return members, counts


def write_alr_files(
    pop: Population,
    store_root: Path,
    *,
    quarters: Sequence[int] = (1, 2, 3, 4),
    annual: bool = True,
    initial: bool = True,
) -> dict[str, int]:
    """Write the ALR deliveries of every performance year; return rows per raw table."""
    manifest: Counter[str] = Counter()
    aco = pop.aco_id
    for py in pop.performance_years:
        yy = py % 100
        for q in quarters:
            start, end = quarter_window(py, q)
            stem = f"P.{aco}.ACO.QALR.{py}Q{q}.D{yy:02d}9999.T{q:02d}00000"
            members, counts = _members(
                stem, AlrDelivery(pop, f"{py}Q{q}", start, end, py, "QALR"), quirks=True
            )
            write_store_file(store_root, aco, py, "131", stem, zip_bytes(members))
            manifest.update(counts)
        if annual:
            start, end = year_window(py - 1)
            stem = f"P.{aco}.ACO.AALR.Y{py - 1}.D{yy:02d}9999.T0500000"
            members, counts = _members(
                stem, AlrDelivery(pop, f"Y{py - 1}@{py}", start, end, py, "AALR"), quirks=False
            )
            write_store_file(store_root, aco, py, "129", stem, zip_bytes(members))
            manifest.update(counts)
        if initial:
            start, end = initial_window(py)
            stem = f"P.{aco}.ACO.AALR.D{yy:02d}9999.T0100000"
            members, counts = _members(
                stem, AlrDelivery(pop, f"init{py}", start, end, py, "AALR"), quirks=False
            )
            outer = f"P.{aco}.ACO.HASSGN.D{(py - 1) % 100:02d}1015.T1010100.zip"
            write_store_file(
                store_root, aco, py, "116", outer, zip_bytes([(stem, zip_bytes(members))])
            )
            manifest.update(counts)
    return dict(sorted(manifest.items()))
