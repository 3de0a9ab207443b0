"""Synthetic MSSP report deliveries for one population (every non-CCLF, non-ALR family).

- reports (118/126/132): BEUR/BAIP/NCBP CSV in an extension-less zip named like the CSV stem;
- mcqm (306): bundle ``P.A….QMCQM.D….T…`` holding ``P.A….ACO.MCQM.<PY>Q<n>.D….T….zip``
  holding one xlsx (PY ≤ 2025) or six CSVs (PY ≥ 2026);
- shadow_bundles (244): ``P.A….ACO.SBMON.D….T….zip`` holding ``DM_A…_January_<PY>.csv`` …;
- participant_list (134): ``P.A….ACO.PATB.D….T….zip`` holding ``Participants List …csv``
  and ``Providers and Suppliers List …csv``;
- bnex (114): ``P.A….BNEX.Y<yy>.D….T….xml``; bnex_mbi_xref (183): ``P.A….ACO.MBIY<yy>.…txt``;
- benchmark: BNMRK + AEXPU xlsx in a ``….BNMRK.D….T….zip`` bundle (115), a loose AEXPU (125),
  a loose QEXPU (118).

Column names of BEUR/BAIP/NCBP, shadow bundles and participant lists are plausible inventions
(no CMS dictionary was available); the parsers match by name, so only the counts matter.
Returns a manifest ``{raw table: rows}`` (benchmark tables: cells). Same population → same bytes.
"""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from demo.synthetic.alr import csv_bytes, quarter_window, write_store_file, zip_bytes
from demo.synthetic.population import Population
from tasks.families import MCQM_CSV_TABLES, MCQM_SHEET_TABLES, REPORT_TABLES

_STAMP_MONTH = {1: "0520", 2: "0820", 3: "1120", 4: "1215"}
_SHADOW = ("DM", "EPI", "HH", "HS", "IP", "OPL", "PB", "SN")
_MEASURES = {"DM_001SSP": "DM", "BCS_112SSP": "BCS", "DEP_134SSP": "DEP", "HTN_236SSP": "HTN"}
_MEASURES_2026 = {
    "_001.csv": "DM",
    "_112.csv": "BCS",
    "_113.csv": "CCS",
    "_134.csv": "DEP",
    "_236.csv": "HTN",
}


def _stamp(py: int, q: int) -> str:
    return f"D{py % 100:02d}{_STAMP_MONTH[q]}"


def xlsx_bytes(wb: Workbook) -> bytes:
    """Save a workbook, then re-zip it with fixed timestamps and fixed document dates."""
    import zipfile

    raw = io.BytesIO()
    wb.save(raw)
    members = []
    with zipfile.ZipFile(raw) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    rb"\g<1>2025-01-01T00:00:00Z",
                    data,
                )
            members.append((name, data))
    return zip_bytes(members)


# --- BEUR / BAIP / NCBP ---------------------------------------------------------------------


def _report_rows(pop: Population, token: str, py: int, q: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(f"{pop.seed}:{token}:{py}Q{q}")
    end = quarter_window(py, q)[1]
    benes = [b for b in pop.beneficiaries if b.index % 4 != 3]
    if token == "BEUR":
        header = [
            "ACO_ID",
            "PERFORMANCE_YEAR",
            "QUARTER",
            "BENE_MBI_ID",
            "ENRLMT_TYPE",
            "TOT_EXP",
            "IP_EXP",
            "SNF_EXP",
            "PB_EXP",
            "IP_ADMITS",
            "ED_VISITS",
        ]
        rows = [
            [
                pop.aco_id,
                str(py),
                str(q),
                b.mbi_on(end),
                "AGND",
                f"{rng.uniform(0, 9e4):.2f}",
                f"{rng.uniform(0, 5e4):.2f}",
                "0.00",
                f"{rng.uniform(0, 9e3):.2f}",
                str(rng.randrange(3)),
                str(rng.randrange(4)),
            ]
            for b in benes
        ]
    elif token == "BAIP":
        header = ["ACO_ID", "BENE_MBI_ID", "PAYMENT_QUARTER", "RISK_CATEGORY", "PAYMENT_AMT"]
        rows = [
            [
                pop.aco_id,
                b.mbi_on(end),
                f"{py}Q{q}",
                rng.choice("ABC"),
                f"{rng.choice([45, 57, 64])}.00",
            ]
            for b in benes[::5]
        ]
    else:
        header = ["ACO_ID", "BENE_MBI_ID", "PAYMENT_TYPE", "PAYMENT_MONTH", "PAYMENT_AMT"]
        rows = [
            [pop.aco_id, b.mbi_on(end), "PCF", f"{py}{3 * q:02d}", f"{rng.uniform(5, 60):.2f}"]
            for b in benes[::3]
        ]
    return header, rows


def write_payment_reports(
    pop: Population, store_root: Path, quarters: Sequence[int] = (1, 2)
) -> Counter[str]:
    counts: Counter[str] = Counter()
    codes = {"BEUR": "118", "BAIP": "126", "NCBP": "132"}
    for py in pop.performance_years:
        for q in quarters:
            for token, code in codes.items():
                header, rows = _report_rows(pop, token, py, q)
                stem = f"P.{pop.aco_id}.ACO.{token}.{py}Q{q}.{_stamp(py, q)}.T0700000"
                data = zip_bytes([(f"{stem}.csv", csv_bytes(header, rows, crlf=True))])
                write_store_file(store_root, pop.aco_id, py, code, stem, data)
                counts[REPORT_TABLES[token]] += len(rows)
    return counts


# --- MCQM -----------------------------------------------------------------------------------


def _mcqm_tables(
    pop: Population, py: int, q: int, measures: dict[str, str]
) -> dict[str, tuple[list[str], list[list[str]]]]:
    end = quarter_window(py, q)[1]
    benes = [b for b in pop.beneficiaries if b.index % 5 != 4]
    bene_header = [
        "BENE_MBI_ID",
        "BENE_1ST_NAME",
        "BENE_LAST_NAME",
        "BENE_SEX_CD",
        "BENE_BRTH_DT",
        "BENE_DEATH_DT",
        "VA_SELECTION_ONLY",
        "PROVIDER_1_NPI",
        "PROVIDER_2_NPI",
        "PROVIDER_3_NPI",
        "TOP_CLINIC_ID",
    ]
    out = {
        "benes": (
            bene_header,
            [
                [
                    b.mbi_on(end),
                    b.first_name,
                    b.last_name,
                    b.sex,
                    b.birth_date.strftime("%m/%d/%Y"),
                    b.death_date.strftime("%m/%d/%Y")
                    if b.death_date and b.death_date <= end
                    else "",
                    "0",
                    b.clinician.npi,
                    "",
                    "",
                    b.clinician.tin,
                ]
                for b in benes
            ],
        )
    }
    for key, m in measures.items():
        subset = [b for b in benes if (b.index + len(m)) % 3 == 0]
        out[key] = (
            [
                "BENE_MBI_ID",
                f"{m}_AGE",
                f"{m}_DX",
                f"{m}_ENCOUNTER",
                f"{m}_EXCLUSION",
                f"{m}_FILTER",
            ],
            [[b.mbi_on(end), "Y", "Y", "Y", "N" if b.index % 11 else "Y", "Y"] for b in subset],
        )
    return out


def write_mcqm(pop: Population, store_root: Path, quarters: Sequence[int] = (1, 3)) -> Counter[str]:
    counts: Counter[str] = Counter()
    aco = pop.aco_id
    for py in pop.performance_years:
        for q in quarters:
            stamp = _stamp(py, q)
            inner = f"P.{aco}.ACO.MCQM.{py}Q{q}.{stamp}.T1200001.zip"
            if py <= 2025:
                tables = _mcqm_tables(pop, py, q, _MEASURES)
                wb = Workbook()
                wb.remove(wb.active)
                for key, (header, rows) in tables.items():
                    sheet = "Medicare_CQM_Beneficiaries" if key == "benes" else key
                    ws = wb.create_sheet(sheet)
                    ws.append(header)
                    for row in rows:
                        ws.append([int(v) if v.isdigit() and len(v) == 10 else v for v in row])
                    counts[MCQM_SHEET_TABLES[sheet]] += len(rows)
                members = [(f"{aco}_MCQM_{py}Q{q}.xlsx", xlsx_bytes(wb))]
            else:
                tables = _mcqm_tables(pop, py, q, _MEASURES_2026)
                members = []
                for key, (header, rows) in tables.items():
                    suffix = "_MCQMbenes.csv" if key == "benes" else key
                    lead = ["ACO_ID", "PRFMNC_YR_NUM", "QRT_NUM"]
                    body = [[aco, str(py), str(q), *r] for r in rows]
                    members.append((f"{aco}_{py}Q{q}{suffix}", csv_bytes([*lead, *header], body)))
                    counts[MCQM_CSV_TABLES[suffix]] += len(rows)
            bundle = f"P.{aco}.QMCQM.{stamp}.T1200000"
            write_store_file(
                store_root, aco, py, "306", bundle, zip_bytes([(inner, zip_bytes(members))])
            )
    return counts


# --- shadow bundles, participant lists ------------------------------------------------------


def write_shadow_bundles(pop: Population, store_root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    header = ["BENE_MBI_ID", "CLM_ID", "CLM_FROM_DT", "CLM_THRU_DT", "PRVDR_NPI", "CLM_PMT_AMT"]
    for py in pop.performance_years:
        rng = random.Random(f"{pop.seed}:sbmon:{py}")
        members = []
        for prefix in _SHADOW:
            benes = [b for b in pop.beneficiaries if rng.random() < 0.15]
            rows = [
                [
                    b.mbi_on(_jan(py)),
                    f"{prefix}{py}{b.index:06d}",
                    f"01/{1 + b.index % 27:02d}/{py}",
                    f"01/{2 + b.index % 27:02d}/{py}",
                    b.clinician.npi,
                    f"{rng.uniform(10, 5000):.2f}",
                ]
                for b in benes
            ]
            members.append((f"{prefix}_{pop.aco_id}_January_{py}.csv", csv_bytes(header, rows)))
            counts[f"shadow_bundles_{prefix.lower()}"] += len(rows)
        name = f"P.{pop.aco_id}.ACO.SBMON.D{py % 100:02d}0310.T0800000.zip"
        write_store_file(store_root, pop.aco_id, py, "244", name, zip_bytes(members))
    return counts


def _jan(py: int) -> Any:
    import datetime as dt

    return dt.date(py, 1, 31)


def write_participant_lists(pop: Population, store_root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for py in pop.performance_years:
        tins = sorted({c.tin for c in pop.clinicians})
        part = [
            [pop.aco_id, t, f"Clinic {i}, Partners & Co., LLC", f"01/01/{py}", ""]
            for i, t in enumerate(tins, start=1)
        ]
        prov = [
            [
                pop.aco_id,
                c.tin,
                f"Clinic {tins.index(c.tin) + 1}, Partners & Co., LLC",
                c.npi,
                "",
                "",
                "Physician",
            ]
            for c in pop.clinicians
        ]
        members = [
            (
                f"Participants List {pop.aco_id} PY{py}.csv",
                csv_bytes(
                    [
                        "ACO ID",
                        "Participant TIN",
                        "Participant Legal Business Name",
                        "Start Date",
                        "End Date",
                    ],
                    part,
                    crlf=True,
                ),
            ),
            (
                f"Providers and Suppliers List {pop.aco_id} PY{py}.csv",
                csv_bytes(
                    [
                        "ACO ID",
                        "Participant TIN",
                        "Participant Legal Business Name",
                        "Individual NPI",
                        "Organizational NPI",
                        "CCN",
                        "Provider Type",
                    ],
                    prov,
                    crlf=True,
                ),
            ),
        ]
        name = f"P.{pop.aco_id}.ACO.PATB.D{(py - 1) % 100:02d}1101.T0900000.zip"
        write_store_file(store_root, pop.aco_id, py, "134", name, zip_bytes(members))
        counts["participants_list"] += len(part)
        counts["provider_and_supplier_list"] += len(prov)
    return counts


# --- BNEX XML and MBI cross-reference -------------------------------------------------------


def bnex_xml(pop: Population, py: int, month: int = 2) -> tuple[bytes, int]:
    from xml.sax.saxutils import escape

    benes = [b for b in pop.beneficiaries if b.index % 37 == 5]
    reasons = ["BR", "DE", "MA"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<PFDCACOBeneData>",
        f"<Header><HeaderCode>HDR_BNEXC</HeaderCode><FileCreationDate>{py}{month:02d}12"
        f"</FileCreationDate><PerformanceYear>{py}</PerformanceYear><ReportMonth>{month:02d}"
        "</ReportMonth></Header>",
        "<Beneficiarys>",
    ]
    for b in benes:
        why = "".join(f"<BeneExcReason>{r}</BeneExcReason>" for r in reasons[: 1 + b.index % 2])
        out.append(
            f"<Beneficiary><MBI>{b.mbi}</MBI><HICN></HICN><FirstName>{escape(b.first_name)}"
            f"</FirstName><MiddleName></MiddleName><LastName>{escape(b.last_name)}</LastName>"
            f"<DOB>{b.birth_date:%Y%m%d}</DOB><Gender>{b.sex}</Gender>"
            f"<BeneExcReasons>{why}</BeneExcReasons></Beneficiary>"
        )
    out += [
        "</Beneficiarys>",
        f"<Trailer><TrailerCode>TRL_BNEXC</TrailerCode><RecordCount>"
        f"{len(benes)}</RecordCount></Trailer>",
        "</PFDCACOBeneData>",
    ]
    return "\n".join(out).encode("utf-8"), len(benes)


def mbi_xref_text(pop: Population, py: int) -> tuple[bytes, int]:
    lines = []
    for b in pop.beneficiaries:
        if b.previous_mbi and b.mbi_change_date:
            lines.append(
                f"{py}01{b.mbi}{b.previous_mbi}{b.birth_date.year + 65}0101"
                f"{b.mbi_change_date:%Y%m%d}"
            )
    return "".join(f"{line}\r\n" for line in lines).encode("ascii"), len(lines)


def write_bnex(pop: Population, store_root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for py in pop.performance_years:
        yy = py % 100
        data, n = bnex_xml(pop, py)
        write_store_file(
            store_root,
            pop.aco_id,
            py,
            "114",
            f"P.{pop.aco_id}.BNEX.Y{yy:02d}.D{yy:02d}0212.T1420360.xml",
            data,
        )
        counts["beneficiary_exclusions"] += n
        data, n = mbi_xref_text(pop, py)
        write_store_file(
            store_root,
            pop.aco_id,
            py,
            "183",
            f"P.{pop.aco_id}.ACO.MBIY{yy:02d}.D{yy:02d}0103.T1033540.txt",
            data,
        )
        counts["excluded_beneficiary_mbi_xref"] += n
    return counts


# --- benchmark workbooks (BNMRK 115, AEXPU 115/125, QEXPU 118) ------------------------------

_BODY = [
    ("Expenditures", None),
    ("[A] Total Part A and B expenditures", 1.0),
    ("  Inpatient", 0.4),
    ("  Physician", 0.3),
    ("[B] Person years", 0.01),
    ("Risk adjustment", None),
    ("[C] CMS-HCC risk score", "-"),
]
_ENROLL = ["ESRD", "Disabled", "Aged/dual", "Aged/non-dual"]


def _table_sheet(
    wb: Workbook,
    name: str,
    aco: str,
    rng: random.Random,
    groups: Sequence[str] | None,
    fixed: Fixed | None = None,
) -> int:
    """One table sheet (titles, optional merged group row, body, footnote, notes); returns cells.

    ``fixed`` replaces the random value of a ``[X] ...`` row's enrollment-type cells (under the
    ``BY3`` group when the sheet has groups) with figures consistent with the claims.
    """
    ws = wb.create_sheet(name)
    ws.append([name.split(" - ")[0].replace("_", " ").rstrip("-") + " - synthetic table"])
    ws.append([f"ACO {aco}"])
    ws.append([])
    if groups:
        upper: list[Any] = [None]
        for g in groups:
            upper += [g] + [None] * (len(_ENROLL) - 1)
        ws.append(upper)
        for i in range(len(groups)):
            first = 2 + i * len(_ENROLL)
            ws.merge_cells(f"{get_column_letter(first)}4:{get_column_letter(first + 3)}4")
        ws.append([None, *(_ENROLL * len(groups))])
    else:
        ws.append([None, *_ENROLL])
    width = len(_ENROLL) * (len(groups) if groups else 1)
    cells = 0
    for label, scale in _BODY:
        if scale is None:
            ws.append([label])
            continue
        values: list[Any] = []
        for c in range(width):
            if scale == "-":
                values.append("-" if c % 4 == 0 else round(rng.uniform(0.5, 2), 4))
            elif c == width - 1 and label.startswith("  "):
                values.append(None)  # a blank cell: not a cell
            else:
                values.append(round(rng.uniform(100, 20000) * float(scale), 2))
                group = groups[c // len(_ENROLL)] if groups else None
                figure = (fixed or {}).get(label, {}).get(_ENROLL[c % len(_ENROLL)])
                if figure is not None and group in (None, "BY3"):
                    values[-1] = figure
        cells += sum(v is not None for v in values)
        ws.append([label, *values])
    ws.append([])
    ws.append(["[1] Footnote: amounts are truncated."])
    ws.append(["Notes:"])
    ws.append(["Synthetic data, not CMS output.", None, None])
    return cells


def _parameters(wb: Workbook, pairs: Sequence[tuple[str, Any]]) -> int:
    ws = wb.create_sheet("Parameters")
    ws.append(["Parameter", "Value"])
    for key, value in pairs:
        ws.append([key, value])
    return len(pairs)


def _workbook(
    kind: str,
    sheets: Sequence[str],
    aco: str,
    seed: str,
    grouped: Sequence[str] = (),
    fixed: dict[str, Fixed] | None = None,
) -> tuple[bytes, Counter[str]]:
    rng = random.Random(seed)
    wb = Workbook()
    wb.remove(wb.active)
    counts: Counter[str] = Counter()
    from tasks.families import BENCHMARK_SHEETS

    for sheet in sheets:
        table = next(t for p, t in BENCHMARK_SHEETS[kind].items() if sheet.startswith(p))
        if sheet == "Parameters":
            counts[table] += _parameters(
                wb,
                [
                    ("ACO_ID", aco),
                    ("TREND_FACTOR", 1.0234),
                    ("REGIONAL_WEIGHT", 0.35),
                    ("RUN", "-"),
                ],
            )
        else:
            groups = ["BY1", "BY2", "BY3"] if sheet in grouped else None
            counts[table] += _table_sheet(wb, sheet, aco, rng, groups, (fixed or {}).get(sheet))
    return xlsx_bytes(wb), counts


Fixed = dict[str, dict[str, float]]
"""Row label ('[A] ...') -> enrollment-type column label -> value."""
Figures = dict[str, dict[str, tuple[float, float]]]
"""Period ('2024Q1', 'Y2024') -> enrollment type -> (per capita per year, person years)."""

BENCHMARK_MARKUP = 1.15
"""Updated benchmark = this x the year's claims per capita: the demo earns shared savings."""
_EXPENDITURE, _PERSON_YEARS = "[A] Total Part A and B expenditures", "[B] Person years"


def expenditure_figures(pop: Population, paid: Counter[tuple[int, int, int]]) -> Figures:
    """Per capita per year and person years of the claims' whole quarters and years.

    Every living beneficiary's month with an ALR EnrollFlag of 1-4 counts, by that flag's
    enrollment type; the paid amounts are the CCLF generator's first deliveries (Parts A and B).
    """
    import datetime as dt

    from demo.synthetic.alr import _enroll_flag

    months = sorted({(y, m) for _, y, m in paid})
    periods: dict[str, list[tuple[int, int]]] = {}
    for y, m in months:
        periods.setdefault(f"{y}Q{(m - 1) // 3 + 1}", []).append((y, m))
        periods.setdefault(f"Y{y}", []).append((y, m))
    out: Figures = {}
    for period, in_period in periods.items():
        if len(in_period) < (3 if "Q" in period else 12):
            continue  # the claims do not cover the whole period
        totals = {label: [0.0, 0] for label in _ENROLL}
        for b in pop.beneficiaries:
            for y, m in in_period:
                flag = _enroll_flag(b, dt.date(y, m, 1))
                if flag in ("1", "2", "3", "4"):
                    total = totals[_ENROLL[int(flag) - 1]]
                    total[0] += paid[(b.index, y, m)]
                    total[1] += 1
        # a type nobody is enrolled as: zero person years, as CMS reports it
        out[period] = {label: (round(amount / n * 12, 2) if n else 0.0, round(n / 12, 2))
                       for label, (amount, n) in totals.items()}
    return out


def _expenditure_rows(figures: Figures, period: str) -> Fixed:
    by_type = figures.get(period, {})
    return {_EXPENDITURE: {t: v[0] for t, v in by_type.items()},
            _PERSON_YEARS: {t: v[1] for t, v in by_type.items()}}


def benchmark_figures(figures: Figures, py: int) -> dict[str, float]:
    """The updated benchmark per capita the BNMRK of ``py`` carries, by enrollment type."""
    basis = figures.get(f"Y{py}") or figures.get(f"{py}Q1") or {}
    return {t: round(v[0] * BENCHMARK_MARKUP, 2) for t, v in basis.items()}


def write_benchmarks(
    pop: Population, store_root: Path, quarters: Sequence[int] = (1,), figures: Figures | None = None
) -> Counter[str]:
    counts: Counter[str] = Counter()
    aco = pop.aco_id
    for i, py in enumerate(pop.performance_years):
        yy = py % 100
        bnmrk_sheets = [
            "Table 1 - Benchmark",
            "Table 1A - Trend",
            "Table 1B - Adjust",
            "Table 1C - Regional",
            "Table 2 - Risk",
            "Table 3 - Enrollment",
            "Table 4 - Savings",
            "Table 5 - Prior",
            "Table 6 - Final",
            "Parameters",
        ]
        if i == 0:
            bnmrk_sheets.remove("Table 6 - Final")  # the March delivery has no Table 6
        figures = figures or {}
        benchmark = benchmark_figures(figures, py)
        basis = figures.get(f"Y{py}") or figures.get(f"{py}Q1") or {}
        bnmrk, c1 = _workbook(
            "BNMRK",
            bnmrk_sheets,
            aco,
            f"{pop.seed}:bnmrk:{py}",
            grouped=("Table 1 - Benchmark", "Table 2 - Risk"),
            fixed={"Table 4 - Savings": {_EXPENDITURE: benchmark},
                   "Table 1 - Benchmark": {_EXPENDITURE: benchmark,
                                           _PERSON_YEARS: {t: v[1] for t, v in basis.items()}}},
        )
        aexpu_sheets = [
            "Table_1-Expenditures",
            "Table_3-Utilization",
            "Table_4-Quality",
            "Parameters",
        ]
        aexpu, c2 = _workbook("AEXPU", aexpu_sheets, aco, f"{pop.seed}:aexpu:{py - 1}",
                              fixed={"Table_1-Expenditures": _expenditure_rows(figures, f"Y{py - 1}")})
        bundle = zip_bytes(
            [
                (f"P.{aco}.ACO.BNMRK.D{yy:02d}0115.T1000001.xlsx", bnmrk),
                (f"P.{aco}.ACO.AEXPU.Y{py - 1}.D{yy:02d}0115.T1000002.xlsx", aexpu),
            ]
        )
        write_store_file(
            store_root, aco, py, "115", f"P.{aco}.ACO.BNMRK.D{yy:02d}0115.T1000000.zip", bundle
        )
        aexpu_by1 = [
            "Table_1-Expenditures",
            "Table_1A-Detail",
            "Table_3-Utilization",
            "Table_4-Quality",
            "Table_4A-Detail",
            "Parameters",
        ]
        by1, c3 = _workbook(
            "AEXPU", aexpu_by1, aco, f"{pop.seed}:aexpu:{py - 3}", grouped=("Table_1-Expenditures",)
        )
        write_store_file(
            store_root,
            aco,
            py,
            "125",
            f"P.{aco}.ACO.AEXPU.Y{py - 3}.D{yy:02d}0301.T0900000.xlsx",
            by1,
        )
        counts.update(c1 + c2 + c3)
        for q in quarters:
            qexpu, c4 = _workbook(
                "QEXPU",
                ["Table_1-Summary", "Table_2-Detail", "Table_3-Trend", "Parameters"],
                aco,
                f"{pop.seed}:qexpu:{py}Q{q}",
                grouped=("Table_2-Detail",),
                fixed={"Table_1-Summary": _expenditure_rows(figures, f"{py}Q{q}")},
            )
            write_store_file(
                store_root,
                aco,
                py,
                "118",
                f"P.{aco}.ACO.QEXPU.{py}Q{q}.{_stamp(py, q)}.T1100000.xlsx",
                qexpu,
            )
            counts.update(c4)
    return counts


def write_report_files(
    pop: Population, store_root: Path, figures: Figures | None = None
) -> dict[str, int]:
    """Every report family for every performance year of ``pop``; returns rows per raw table.

    ``figures`` (``expenditure_figures`` of the CCLF written for ``pop``) makes the QEXPU/AEXPU
    expenditure and the BNMRK benchmark agree with the claims; without it they are random.
    """
    manifest: Counter[str] = Counter()
    for writer in (
        write_payment_reports,
        write_mcqm,
        write_shadow_bundles,
        write_participant_lists,
        write_bnex,
    ):
        manifest.update(writer(pop, Path(store_root)))
    manifest.update(write_benchmarks(pop, Path(store_root), figures=figures))
    return dict(sorted(manifest.items()))
