"""CSV parser (mssp_files.md §4.2): header names, quirks, rejects, encodings."""

from __future__ import annotations

import io

import pytest

from tasks.errors import FileRejected
from tasks.families import classify_name
from tasks.models import CatalogEntry, ParseReport
from tasks.parsers.delimited import BATCH_CELLS, normalize_headers, parse_csv

ALR = "P.A1234.ACO.QALR.2025Q1.D259999.T0100000_1-2.csv"


class _OneWay(io.RawIOBase):
    """A non-seekable stream, like a zip member."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        chunk = self._buf.read(min(len(b), 7))
        b[: len(chunk)] = chunk
        return len(chunk)


def _entry(name: str = ALR, containers: tuple[str, ...] = ()) -> CatalogEntry:
    kind = classify_name(name, containers)
    assert kind is not None
    return CatalogEntry(f"A1234/2025/131/x/{name}", "A1234/2025/131/x", (name,), 0, kind)


def _parse(data: bytes, entry: CatalogEntry | None = None, batch_rows: int = 50_000):
    report = ParseReport()
    batches = list(
        parse_csv(
            io.BufferedReader(_OneWay(data)), entry or _entry(), report, batch_rows=batch_rows
        )
    )
    rows = [r for b in batches for r in b.rows.to_pylist()]
    rejects = [r for b in batches for r in b.rejects]
    return batches, rows, rejects, report


def test_header_normalisation() -> None:
    raw = [
        '"BENE_MBI_ID"',
        " EnrollFlag1 ",
        "HCC_version",
        "Participant TIN",
        "2nd-Col",
        "a",
        "A",
        "",
        "file_name",
        "Start Date (MM/DD)",
    ]
    assert normalize_headers(raw) == [
        "bene_mbi_id",
        "enrollflag1",
        "hcc_version",
        "participant_tin",
        "c_2nd_col",
        "a",
        "a_2",
        "column_8",
        "src_file_name",
        "start_date_mm_dd",
    ]


def test_bom_crlf_quotes_and_missing_final_newline() -> None:
    data = (
        b'\xef\xbb\xbf"BENE_MBI_ID","MASTER_ID","NOTE"\r\n'
        b'1EG4TE5MK73,012345678," a, ""quoted""\r\nline "\r\n'
        b"2EG4TE5MK73,  ,x"
    )
    batches, rows, rejects, report = _parse(data)
    assert [b.table for b in batches] == ["aalr2_assigned_beneficiaries_tin"]
    assert batches[0].rows.column_names == ["bene_mbi_id", "master_id", "note", "file_row_number"]
    assert rows == [
        {
            "bene_mbi_id": "1EG4TE5MK73",
            "master_id": "012345678",
            "note": 'a, "quoted"\r\nline',
            "file_row_number": 1,
        },
        {"bene_mbi_id": "2EG4TE5MK73", "master_id": None, "note": "x", "file_row_number": 2},
    ]
    assert rejects == [] and report.records_seen == 2 and report.notes == []


def test_wrong_field_count_is_rejected_with_its_line_never_shifted() -> None:
    data = b'A,B,C\n1,2,3\n"multi\nline",2,3\n1,2\n1,2,3,4\n\n7,8,9\n'
    _, rows, rejects, report = _parse(data)
    assert [r["file_row_number"] for r in rows] == [1, 2, 6]
    assert rows[-1] == {"a": "7", "b": "8", "c": "9", "file_row_number": 6}
    assert [(r.file_row_number, r.reason) for r in rejects] == [
        (3, "line 5: 2 fields, header has 3"),
        (4, "line 6: 4 fields, header has 3"),
        (5, "line 7: blank line"),
    ]
    assert report.records_seen == 6
    assert all("1" not in r.reason.split(":")[1] for r in rejects[:1])  # no record content


def test_latin1_fallback_is_noted() -> None:
    _, rows, _, report = _parse("NAME,CITY\nJOSÉ,SÃO\n".encode("latin-1"))
    assert rows[0]["name"] == "JOSÉ" and rows[0]["city"] == "SÃO"
    assert report.notes == ["decoded as latin-1 (not valid UTF-8)"]
    _, rows, _, report = _parse("NAME\nJOSÉ\n".encode())
    assert rows[0]["name"] == "JOSÉ" and report.notes == []


def test_header_only_gives_zero_rows_with_columns() -> None:
    batches, rows, rejects, report = _parse(b"BENE_MBI_ID,VA_SELECTION_ONLY\r\n")
    assert rows == [] and rejects == [] and report.records_seen == 0
    assert batches[0].rows.column_names == ["bene_mbi_id", "va_selection_only", "file_row_number"]


@pytest.mark.parametrize(
    "data", [b"", b"\n\n", b"\x00\x01\x02\x03binary\xff" * 20, b"PK\x03\x04rest", b"123,456\n7,8\n"]
)
def test_no_header_or_binary_rejects_the_file(data: bytes) -> None:
    with pytest.raises(FileRejected):
        _parse(data)


def test_batches_are_bounded_and_numbered() -> None:
    data = b"A\n" + b"".join(f"{i}\n".encode() for i in range(25))
    batches, rows, _, report = _parse(data, batch_rows=10)
    assert [b.rows.num_rows for b in batches] == [10, 10, 5]
    assert [r["file_row_number"] for r in rows] == list(range(1, 26))
    assert rows[0]["a"] == "0" and report.records_seen == 25


def test_wide_files_batch_by_cells_and_keep_every_record() -> None:
    width = 170  # the ALR's table 1
    header = ",".join(f"COL_{c}" for c in range(width)).encode() + b"\n"
    records = 3 * BATCH_CELLS // width
    data = header + b"".join(f"{i},".encode() + b"1," * (width - 2) + b"x\n" for i in range(records))
    batches, rows, rejects, report = _parse(data)
    assert len(batches) > 2 and not rejects
    assert all(b.rows.num_rows * width <= BATCH_CELLS for b in batches)
    assert [r["file_row_number"] for r in rows] == list(range(1, records + 1))
    assert [r["col_0"] for r in rows] == [str(i) for i in range(records)]
    assert report.records_seen == records


def test_mcqm_csv_gets_period_and_shadow_bundle_table() -> None:
    entry = _entry(
        "A1234_2026Q1_113.csv",
        ("P.A1234.QMCQM.D260415.T1200000", "P.A1234.ACO.MCQM.2026Q1.D260415.T1200001.zip"),
    )
    batches, rows, _, _ = _parse(
        b"ACO_ID,PRFMNC_YR_NUM,QRT_NUM,BENE_MBI_ID\nA1234,2026,1,X\n", entry
    )
    assert batches[0].table == "mcqm_ccs_113ssp"
    assert rows == [
        {
            "aco_id": "A1234",
            "prfmnc_yr_num": "2026",
            "qrt_num": "1",
            "bene_mbi_id": "X",
            "period": "2026Q1",
            "file_row_number": 1,
        }
    ]
    entry = _entry("DM_A1234_January_2025.csv", ("P.A1234.ACO.SBMON.D250310.T0800000.zip",))
    assert _parse(b"X\n1\n", entry)[0][0].table == "shadow_bundles_dm"


# --- a first line that is data is not a header (issue 14 item 2) ----------------------------

_DATA_LINE = b"1EG4TE5MK73,,JANE,DOE,2,01/02/1950,\n"


@pytest.mark.parametrize(
    "first",
    [
        _DATA_LINE,
        b"JANE,DOE,1EG4-TE5-MK73\n",  # an MBI with dashes
        b"JANE,DOE,1950-01-02\n",  # an ISO birth date
        b"SMITH,123456789,ACME LLC\n",  # a TIN
        b"JANE,O'BRIEN,F\n",  # names only, no known column, not name-shaped
        b"A1234,12.50,7\n",  # numbers
    ],
)
def test_a_first_line_of_data_rejects_the_file_without_its_values(first: bytes) -> None:
    with pytest.raises(FileRejected) as caught:
        _parse(first + b"2AB3CD4EF56,,JOHN,ROE,1,03/04/1960,\n")
    reason = caught.value.reason
    assert reason.startswith("first line is not a CSV header")
    for value in first.decode().strip().replace("-", ",").split(","):
        if len(value) > 1:
            assert value not in reason


def test_known_column_names_and_cms_shapes_pass_as_headers() -> None:
    from tasks.parsers.delimited import header_problem

    known = frozenset({"bene_mbi_id"})
    assert header_problem(["BENE_MBI_ID", "O'Brien flag"], known) is None  # a known name
    assert header_problem(["ACO ID", "Start Date (MM/DD)", "2nd-Col", "PCT_%"]) is None
    assert header_problem(["BENE_MBI_ID", "1EG4TE5MK73"], known) is not None  # data wins
    assert header_problem(["", " "]) == "no CSV header row"


def test_a_real_alr_header_still_loads_the_first_record() -> None:
    from demo.synthetic.alr import ID7

    header = ",".join(ID7).encode() + b"\n"
    batches, rows, _, report = _parse(header + _DATA_LINE)
    assert report.records_seen == 1 and len(rows) == 1  # header + 1 record: 1 record seen
    assert batches[0].rows.column_names[:1] == ["bene_mbi_id"]
