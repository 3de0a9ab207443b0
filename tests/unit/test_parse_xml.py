"""BNEX XML parser (mssp_files.md §4.4)."""

from __future__ import annotations

import io

import pytest

from demo.synthetic.population import make_population
from demo.synthetic.reports import bnex_xml
from tasks.errors import FileRejected
from tasks.families import classify_name
from tasks.models import CatalogEntry, ParseReport
from tasks.parsers.xml_bnex import COLUMNS, parse_xml_bnex

NAME = "P.A1234.BNEX.R25.D260212.T1420360.xml"
ENTRY = CatalogEntry(f"A1234/2025/114/{NAME}", f"A1234/2025/114/{NAME}", (), 0, classify_name(NAME))

DOC = b"""<?xml version="1.0" encoding="UTF-8"?>
<PFDCACOBeneData>
  <Header><HeaderCode>HDR_BNEXC</HeaderCode><FileCreationDate>20260212</FileCreationDate>
    <PerformanceYear>2025</PerformanceYear><ReportMonth>02</ReportMonth></Header>
  <Beneficiarys>
    <Beneficiary><MBI>1EG4TE5MK73</MBI><HICN/><FirstName>ANN</FirstName><MiddleName> </MiddleName>
      <LastName>O&apos;NEIL &amp; CO</LastName><DOB>19450102</DOB><Gender>2</Gender>
      <BeneExcReasons><BeneExcReason>BR</BeneExcReason><BeneExcReason>DE</BeneExcReason>
      </BeneExcReasons></Beneficiary>
    <Beneficiary><MBI>2EG4TE5MK73</MBI><FirstName>BO</FirstName><LastName>LI</LastName>
      <DOB>19500101</DOB><Gender>1</Gender><BeneExcReasons><BeneExcReason1>MA</BeneExcReason1>
      </BeneExcReasons></Beneficiary>
  </Beneficiarys>
  <Trailer><TrailerCode>TRL_BNEXC</TrailerCode><RecordCount>%d</RecordCount></Trailer>
</PFDCACOBeneData>
"""


def _parse(data: bytes, batch_rows: int = 50_000):
    report = ParseReport()
    batches = list(parse_xml_bnex(io.BytesIO(data), ENTRY, report, batch_rows=batch_rows))
    return batches, [r for b in batches for r in b.rows.to_pylist()], report


def test_one_row_per_beneficiary_with_header_columns() -> None:
    batches, rows, report = _parse(DOC % 2)
    assert {b.table for b in batches} == {"beneficiary_exclusions"}
    assert batches[0].rows.column_names == [*COLUMNS, "file_row_number"]
    assert rows[0] == {
        "mbi": "1EG4TE5MK73",
        "hicn": None,
        "firstname": "ANN",
        "middlename": None,
        "lastname": "O'NEIL & CO",
        "dob": "19450102",
        "gender": "2",
        "beneexcreasons": "BR,DE",
        "headercode": "HDR_BNEXC",
        "filecreationdate": "20260212",
        "performanceyear": "2025",
        "reportmonth": "02",
        "file_row_number": 1,
    }
    assert rows[1]["beneexcreasons"] == "MA" and rows[1]["file_row_number"] == 2
    assert report.rows_expected == 2 and report.records_seen == 2 and report.notes == []


def test_trailer_mismatch_is_a_note_not_a_failure() -> None:
    _, rows, report = _parse(DOC % 3)
    assert len(rows) == 2 and report.rows_expected == 3
    assert report.notes == ["trailer RecordCount 3 != 2 records"]


@pytest.mark.parametrize(
    "data",
    [
        b"<PFDCACOBeneData><Header>",
        b"",
        b"not xml at all",
        b"<Other><a/></Other>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><PFDCACOBeneData>&a;</PFDCACOBeneData>',  # noqa: E501
    ],
)
def test_malformed_or_foreign_xml_rejects_the_file(data: bytes) -> None:
    with pytest.raises(FileRejected):
        _parse(data)


def test_generated_file_streams_in_batches() -> None:
    data, n = bnex_xml(make_population(n=400), 2025)
    batches, rows, report = _parse(data, batch_rows=3)
    assert len(rows) == n == report.rows_expected == report.records_seen and n > 3
    assert [b.rows.num_rows for b in batches][:2] == [3, 3]
    assert [r["file_row_number"] for r in rows] == list(range(1, n + 1))


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE PFDCACOBeneData SYSTEM "http://example.invalid/bnex.dtd">',
        b"<!DOCTYPE PFDCACOBeneData>",
        b'<!DOCTYPE PFDCACOBeneData PUBLIC "-//X//Y" "bnex.dtd">',
    ],
)
def test_any_doctype_rejects_the_file(doctype: bytes) -> None:
    """An external DTD made an undefined entity load as a NULL MBI (issue 14 item 10)."""
    doc = (DOC % 2).replace(b"<MBI>1EG4TE5MK73</MBI>", b"<MBI>&mbi;</MBI>")
    doc = doc.replace(b"\n<PFDCACOBeneData>", b"\n" + doctype + b"\n<PFDCACOBeneData>", 1)
    with pytest.raises(FileRejected) as caught:
        _parse(doc)
    assert caught.value.reason == "not a BNEX file: a DOCTYPE is not allowed"
