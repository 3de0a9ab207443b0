"""Workbook parsers: MCQM sheets (§4.3) and benchmark cell grain (§4.5)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from demo.synthetic.reports import xlsx_bytes
from tasks.errors import FileRejected
from tasks.families import classify_name
from tasks.models import CatalogEntry, ParseReport
from tasks.parsers.xlsx import parse_xlsx_cells, parse_xlsx_sheets

MCQM_CONTAINERS = ("P.A1234.QMCQM.D250415.T1200000", "P.A1234.ACO.MCQM.2025Q1.D250415.T1200001.zip")
QEXPU = "P.A1234.ACO.QEXPU.2025Q3.D259999.T0300000.xlsx"
AEXPU = "P.A1234.ACO.AEXPU.Y2023.D250301.T0900000.xlsx"


class _OneWay(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        chunk = self._buf.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)


def _entry(name: str, containers: tuple[str, ...] = (), year: str = "2026") -> CatalogEntry:
    kind = classify_name(name, containers)
    assert kind is not None
    return CatalogEntry(f"A1234/{year}/115/{name}", f"A1234/{year}/115/{name}", (), 0, kind)


def _run(parser, wb: Workbook, entry: CatalogEntry):
    report = ParseReport()
    batches = list(parser(io.BufferedReader(_OneWay(xlsx_bytes(wb))), entry, report))
    return batches, report


def test_mcqm_sheets_to_tables_with_period() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Medicare_CQM_Beneficiaries"
    ws.append(["BENE_MBI_ID", "PROVIDER_1_NPI", "BENE_BRTH_DT", "Top Clinic ID"])
    ws.append(["1EG4TE5MK73", 1234567890, dt.datetime(1950, 1, 2), "012345678"])
    ws.append([None, None, None, None])
    ws.append(["2EG4TE5MK73", None, None, " x ", "stray"])
    dm = wb.create_sheet("DM_001SSP")
    dm.append(["BENE_MBI_ID", "DM_AGE"])
    wb.create_sheet("Notes").append(["ignored"])
    batches, report = _run(parse_xlsx_sheets, wb, _entry("book.xlsx", MCQM_CONTAINERS))
    assert [b.table for b in batches] == ["mcqm_beneficiaries", "mcqm_dm_001ssp"]
    rows = batches[0].rows.to_pylist()
    assert rows == [
        {
            "bene_mbi_id": "1EG4TE5MK73",
            "provider_1_npi": "1234567890",
            "bene_brth_dt": "1950-01-02",
            "top_clinic_id": "012345678",
            "period": "2025Q1",
            "file_row_number": 1,
        }
    ]
    assert [(r.file_row_number, r.reason) for r in batches[0].rejects] == [
        (2, "sheet Medicare_CQM_Beneficiaries row 4: value past the header")
    ]
    assert batches[1].rows.num_rows == 0
    assert batches[1].rows.column_names == ["bene_mbi_id", "dm_age", "period", "file_row_number"]
    assert report.records_seen == 2
    assert report.notes == ["sheet 'Notes' matches no MCQM table: skipped"]


def _table_sheet(wb: Workbook, name: str, grouped: bool) -> None:
    ws = wb.create_sheet(name)
    ws.append(["Table 1 - title"])
    ws.append(["ACO A1234"])
    ws.append([])
    if grouped:
        ws.append([None, "BY1", None, "BY2", None])
        ws.merge_cells("B4:C4")
        ws.merge_cells("D4:E4")
        ws.append([None, "ESRD", "Aged", "ESRD", "Aged"])
    else:
        ws.append([None, "ESRD", "Aged", "ESRD", "Aged"])
    ws.append(["Expenditures"])
    ws.append(["[A1] Total", 1.5, "-", 3, None])
    ws.append(["  Inpatient", 10, 20, 30, 40])
    ws.append(["[B] Risk"])
    ws.append(["Score", 0.25, None, None, None])
    ws.append([])
    ws.append(["[1] A footnote."])
    ws.append(["Notes:"])
    ws.append(["note text", "not a cell"])


def test_benchmark_cells_with_merged_group_header() -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _table_sheet(wb, "Table_1-Summary", grouped=True)
    _table_sheet(wb, "Table_2-Detail", grouped=False)
    p = wb.create_sheet("Parameters")
    for row in (["Parameter", "Value"], ["TREND", 1.02], ["EMPTY", None], ["RUN", "-"]):
        p.append(row)
    batches, report = _run(parse_xlsx_cells, wb, _entry(QEXPU))
    by_table = {b.table: b.rows.to_pylist() for b in batches}
    assert set(by_table) == {"qexpu_table_1", "qexpu_table_2", "qexpu_parameters"}
    t1 = by_table["qexpu_table_1"]
    assert len(t1) == 8
    first = t1[0]
    assert first == {
        "row_num": 7,
        "group_label": "Expenditures",
        "section_code": "A1",
        "section_label": "Total",
        "row_label": "[A1] Total",
        "column_group_label": "BY1",
        "column_label": "ESRD",
        "value_text": "1.5",
        "aco_id": "A1234",
        "performance_year": "2026",
        "benchmark_year": None,
        "submission_id": "D259999.T0300000",
        "period": "2025Q3",
        "file_row_number": 1,
    }
    assert [c["value_text"] for c in t1[:3]] == ["1.5", "-", "3"]
    assert [c["column_group_label"] for c in t1[3:7]] == ["BY1", "BY1", "BY2", "BY2"]
    assert t1[3]["section_code"] == "A1" and t1[3]["row_label"] == "Inpatient"
    assert t1[7]["section_code"] == "B" and t1[7]["group_label"] == "Expenditures"
    assert {c["column_group_label"] for c in by_table["qexpu_table_2"]} == {None}
    assert [c["file_row_number"] for b in batches for c in b.rows.to_pylist()] == list(range(1, 19))
    params = by_table["qexpu_parameters"]
    assert [(c["row_label"], c["column_label"], c["value_text"]) for c in params] == [
        ("TREND", "VALUE", "1.02"),
        ("RUN", "VALUE", "-"),
    ]
    assert report.records_seen == 18


def test_aexpu_benchmark_year_and_optional_sheets() -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _table_sheet(wb, "Table_1-Exp", grouped=False)
    batches, _ = _run(parse_xlsx_cells, wb, _entry(AEXPU, year="2025"))
    rows = batches[0].rows.to_pylist()
    assert batches[0].table == "aexpu_table_1"
    assert {(r["benchmark_year"], r["period"], r["performance_year"]) for r in rows} == {
        ("2023", "Y2023", "2025")
    }


def test_prefix_matching_two_sheets_rejects_the_file() -> None:
    wb = Workbook()
    wb.remove(wb.active)
    _table_sheet(wb, "Table_1-A", grouped=False)
    _table_sheet(wb, "Table_1-B", grouped=False)
    with pytest.raises(FileRejected, match="matches 2 sheets"):
        _run(parse_xlsx_cells, wb, _entry(QEXPU))


@pytest.mark.parametrize("data", [b"", b"plain text", b"PK\x03\x04broken zip"])
def test_not_a_workbook_rejects_the_file(data: bytes) -> None:
    with pytest.raises(FileRejected, match="not an xlsx workbook"):
        list(parse_xlsx_cells(io.BytesIO(data), _entry(QEXPU), ParseReport()))
    with pytest.raises(FileRejected, match="not an xlsx workbook"):
        list(parse_xlsx_sheets(io.BytesIO(data), _entry("b.xlsx", MCQM_CONTAINERS), ParseReport()))


def _with_prolog(data: bytes, part: str, prolog: bytes) -> bytes:
    """The workbook with ``prolog`` inserted after the XML declaration of ``part``."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                head, sep, rest = body.partition(b"?>")
                body = head + sep + prolog + rest if sep else prolog + body
            dst.writestr(info, body)
    return out.getvalue()


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
EXTERNAL = b'<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL, b"<!DOCTYPE worksheet>"], ids=["laughs", "external", "doctype"])
def test_entity_attacks_in_a_workbook_part_reject_the_file(part: str, prolog: bytes) -> None:
    """Entity attacks are ``rejected`` with a reason, not a ``failed`` file (issue 14 item 10)."""
    wb = Workbook()
    wb.remove(wb.active)
    _table_sheet(wb, "Table_1-A", grouped=False)
    data = _with_prolog(xlsx_bytes(wb), part, prolog)
    with pytest.raises(FileRejected, match="declares a DOCTYPE or an entity: refused"):
        list(parse_xlsx_cells(io.BytesIO(data), _entry(QEXPU), ParseReport()))
    with pytest.raises(FileRejected, match="declares a DOCTYPE or an entity: refused"):
        list(parse_xlsx_sheets(io.BytesIO(data), _entry("b.xlsx", MCQM_CONTAINERS), ParseReport()))
