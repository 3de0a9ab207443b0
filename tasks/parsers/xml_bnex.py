"""BNEX beneficiary-exclusion XML → ``beneficiary_exclusions`` rows (mssp_files.md §4.4).

Root ``PFDCACOBeneData``: ``Header`` (``HeaderCode``, ``FileCreationDate``, ``PerformanceYear``,
``ReportMonth``), ``Beneficiarys/Beneficiary`` (one row each), ``Trailer`` (``TrailerCode``,
``RecordCount`` → ``report.rows_expected``; a mismatch is a note, never a failure).

Streams with pyexpat (bounded memory: rows leave in batches while the document is read).
Any DOCTYPE and any entity declaration is refused (no entity expansion, no external entities);
malformed XML rejects the whole file. Element names are matched without namespace prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.parsers import expat

from tasks.errors import FileRejected
from tasks.models import ByteStream, CatalogEntry, ParsedBatch, ParseReport
from tasks.parsers.delimited import clean_value, rows_to_table

ROOT = "PFDCACOBeneData"
TABLE = "beneficiary_exclusions"
BENE_FIELDS = {
    "MBI": "mbi",
    "HICN": "hicn",
    "FirstName": "firstname",
    "MiddleName": "middlename",
    "LastName": "lastname",
    "DOB": "dob",
    "Gender": "gender",
}
HEADER_FIELDS = {
    "HeaderCode": "headercode",
    "FileCreationDate": "filecreationdate",
    "PerformanceYear": "performanceyear",
    "ReportMonth": "reportmonth",
}
COLUMNS = [*BENE_FIELDS.values(), "beneexcreasons", *HEADER_FIELDS.values()]
BATCH_ROWS = 50_000
_CHUNK = 256 * 1024


class _Refused(Exception):
    pass


class _BnexHandler:
    """Collects Beneficiary rows and header/trailer values from expat events."""

    def __init__(self) -> None:
        self.path: list[str] = []
        self.text: list[str] = []
        self.header: dict[str, str | None] = {}
        self.trailer: dict[str, str | None] = {}
        self.bene: dict[str, str | None] | None = None
        self.reasons: list[str] = []
        self.done: list[dict[str, str | None]] = []
        self.count = 0

    @staticmethod
    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]

    def start(self, name: str, _attrs: dict[str, str]) -> None:
        tag = self.local(name)
        if not self.path and tag != ROOT:
            raise _Refused(f"root element is {tag!r}, expected {ROOT}")
        self.path.append(tag)
        self.text = []
        if tag == "Beneficiary":
            self.bene, self.reasons = {}, []

    def chars(self, data: str) -> None:
        self.text.append(data)

    def end(self, name: str) -> None:
        tag = self.path.pop()
        value = clean_value("".join(self.text))
        self.text = []
        parent = self.path[-1] if self.path else ""
        if tag == "Beneficiary" and self.bene is not None:
            self.bene["beneexcreasons"] = ",".join(self.reasons) or None
            self.done.append(self.bene)
            self.count += 1
            self.bene = None
        elif self.bene is not None and tag in BENE_FIELDS:
            self.bene[BENE_FIELDS[tag]] = value
        elif self.bene is not None and tag.startswith("BeneExcReason") and tag != "BeneExcReasons":
            if value:
                self.reasons.append(value)
        elif parent == "Header" and tag in HEADER_FIELDS:
            self.header[HEADER_FIELDS[tag]] = value
        elif parent == "Trailer":
            self.trailer[tag] = value


def _new_parser(handler: _BnexHandler) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.chars

    def refuse_entity(*_args: object) -> None:
        raise _Refused("entity declarations are not allowed")

    def refuse_doctype(*_args: object) -> None:
        # Any DOCTYPE: an external DTD would let an undefined entity pass as empty text.
        raise _Refused("a DOCTYPE is not allowed")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.SkippedEntityHandler = refuse_entity
    parser.ExternalEntityRefHandler = lambda *_a: 0
    return parser


def _batch(handler: _BnexHandler, first_number: int, limit: int | None = None) -> ParsedBatch:
    take = handler.done[:limit] if limit else handler.done
    handler.done = handler.done[len(take) :]
    rows = [[{**handler.header, **bene}.get(c) for c in COLUMNS] for bene in take]
    numbers = list(range(first_number, first_number + len(rows)))
    return ParsedBatch(TABLE, rows_to_table(COLUMNS, rows, numbers))


def parse_xml_bnex(
    source: ByteStream, entry: CatalogEntry, report: ParseReport, batch_rows: int = BATCH_ROWS
) -> Iterator[ParsedBatch]:
    """Stream one BNEX XML file: one row per Beneficiary, trailer count to rows_expected."""
    handler = _BnexHandler()
    parser = _new_parser(handler)
    emitted = 0
    try:
        while True:
            chunk = source.read(_CHUNK)
            parser.Parse(chunk, not chunk)
            # Header precedes Beneficiarys in every BNEX file; hold rows until it is seen.
            while len(handler.done) >= batch_rows and handler.header:
                yield _batch(handler, emitted + 1, batch_rows)
                emitted += batch_rows
                report.records_seen += batch_rows
            if not chunk:
                break
    except expat.ExpatError as e:
        raise FileRejected(
            entry.file_path, f"malformed XML: {expat.errors.messages[e.code]} at line {e.lineno}"
        ) from e
    except _Refused as e:
        raise FileRejected(entry.file_path, f"not a BNEX file: {e}") from e
    if not handler.header and handler.count == 0 and not handler.trailer:
        report.notes.append("no Header, Beneficiary or Trailer element")
    n = len(handler.done)
    report.records_seen += n
    yield _batch(handler, emitted + 1)
    _reconcile(handler, report)


def _reconcile(handler: _BnexHandler, report: ParseReport) -> None:
    declared = handler.trailer.get("RecordCount")
    if declared is None:
        report.notes.append("no trailer RecordCount")
        return
    try:
        report.rows_expected = int(declared)
    except ValueError:
        report.notes.append("trailer RecordCount is not a number")
        return
    if report.rows_expected != handler.count:
        report.notes.append(
            f"trailer RecordCount {report.rows_expected} != {handler.count} records"
        )
