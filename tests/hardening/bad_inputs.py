"""A generated corpus of bad inputs placed in a store beside good synthetic files (no real data).

``build_corpus(store_root)`` writes the good files (CCLF, ALR, BNEX from ``demo.synthetic``)
and every bad case, and returns what a correct loader must make of them: one ``Case`` per
ledger row the bad inputs cause (status, a reason fragment, rows loaded and rejected) and the
exact row count of every raw table.

Bad records carry ``CONTENT_MARKER`` so tests can prove that ledger messages and reject
reasons name lines and problems, never record content.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demo.synthetic.alr import write_alr_files
from demo.synthetic.cclf import RecordWriter, write_cclf_deliveries
from demo.synthetic.population import Population, make_population
from demo.synthetic.reports import write_bnex
from tasks.families import ALR_TABLES, CCLF_TABLES

ACO = "A1234"
YEAR = 2024
CONTENT_MARKER = "ZQXCONTENTQZX"
# The first line of a headerless CSV: data that must never become column names (issue 14).
HEADERLESS_VALUES = ("9QX5RT7YZ84", CONTENT_MARKER, "02/29/1924")
FIXED = (2024, 1, 1, 0, 0, 0)
BOMB_BYTES = 4 * 1024 * 1024  # deflates to ~4 KB: ~1000x, past the 200x limit
CCLF0_HEADER = "File Number  |File Description    |Total Records Count |Record Length"


@dataclass(frozen=True)
class Case:
    """One ledger row a bad input must produce."""

    key: str
    file_path: str  # store-relative, members appended
    status: str  # rejected / loaded
    reason: str  # a fragment the ledger message must contain
    rows_loaded: int = 0
    rows_rejected: int = 0


@dataclass
class Corpus:
    cases: list[Case] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)  # raw table -> exact rows after a load
    good_files: int = 0  # ledger rows of good files (generator members + good members beside bad ones)
    population: Population | None = None

    def case(self, key: str) -> list[Case]:
        return [c for c in self.cases if c.key == key]

    @property
    def case_paths(self) -> set[str]:
        return {c.file_path for c in self.cases}


# --- byte builders ---------------------------------------------------------------------------


def zip_of(members: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name, FIXED)
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, FIXED)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def cclf_lines(file_type: str, records: list[dict[str, object]]) -> list[str]:
    writer = RecordWriter(file_type)
    return [writer.line(r) for r in records]


def xref_records(n: int, seed: int = 0) -> list[dict[str, object]]:
    return [{"hicn_mbi_xref_ind": "M", "crnt_num": f"{seed}AC{i:02d}AC{i:02d}XY"[:11],
             "prvs_num": f"{seed}AD{i:02d}AD{i:02d}XY"[:11]} for i in range(n)]


def cclf0_text(rows: list[str]) -> bytes:
    return ("\n".join([CCLF0_HEADER, *rows]) + "\n").encode()


def write(store_root: Path, rel: str, data: bytes) -> str:
    path = store_root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return rel


def folder(code: str) -> str:
    return f"{ACO}/{YEAR}/{code}"


# --- the corpus ------------------------------------------------------------------------------


def write_good_files(store_root: Path, corpus: Corpus, *, beneficiaries: int = 12, seed: int = 5) -> None:
    """One CCLF bundle, the first ALR quarter and the initial assignment, BNEX and MBI xref."""
    pop = make_population(ACO, n=beneficiaries, seed=seed, performance_years=(YEAR,))
    cclf = write_cclf_deliveries(pop, store_root, [(YEAR, 1)], runout=False)
    corpus.rows.update(cclf.rows)
    corpus.good_files += cclf.members
    alr = write_alr_files(pop, store_root, quarters=(1,), annual=False, initial=True)
    corpus.rows.update(alr)
    corpus.good_files += len(ALR_TABLES) + len(ALR_TABLES) - 1  # QALR 1-1..1-9; the initial AALR has no 1-5
    corpus.rows.update(write_bnex(pop, store_root))
    corpus.good_files += 2
    corpus.population = pop


def build_corpus(store_root: Path) -> Corpus:
    corpus = Corpus()
    write_good_files(store_root, corpus)
    for add in (_containers, _zip_members, _fixed_width, _cclf0, _csvs, _workbooks_and_xml, _names,
                _store_entries):
        add(store_root, corpus)
    return corpus


def _containers(store_root: Path, corpus: Corpus) -> None:
    good_bundle = next((store_root / folder("113")).glob("*.zip")).read_bytes()
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240315.T2000000.zip",
                good_bundle[: len(good_bundle) // 2])
    corpus.cases.append(Case("truncated_zip", rel, "rejected", "zip cannot be opened"))

    rel = write(store_root, f"{folder('131')}/P.{ACO}.ACO.QALR.2024Q2.D249999.T0200000", zip_of([]))
    corpus.cases.append(Case("empty_zip", rel, "rejected", "zip holds no member"))

    rel = write(store_root, f"{folder('131')}/P.{ACO}.ACO.QALR.2024Q3.D249999.T0300000", zip_of([
        ("notes_for_the_aco.txt", b"not an MSSP file\n")]))
    corpus.cases += [
        Case("non_cms_member", f"{rel}/notes_for_the_aco.txt", "rejected", "matches no MSSP file family"),
        Case("non_cms_member", rel, "rejected", "no member the catalog can place"),
    ]


def _zip_members(store_root: Path, corpus: Corpus) -> None:
    """Unsafe members beside a good one: the good member loads, the others are refused."""
    good = "\n".join(cclf_lines("CCLF9", xref_records(3, 1))) + "\n"
    stem = f"P.{ACO}.ACO.ZC9Y24.D240415.T300000"
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240415.T3000000.zip", zip_of([
        (f"{stem}9", good.encode()),
        (f"../../{stem}8", b"x" * 10),
        (f"/tmp/{stem}7", b"x" * 10),
        (symlink_info(f"{stem}6"), b"/etc/passwd"),
        (f"{stem}5", b" " * BOMB_BYTES),
    ]))
    corpus.rows[CCLF_TABLES["9"]] += 3
    corpus.good_files += 1
    corpus.cases += [
        Case("zip_slip", f"{rel}/../../{stem}8", "rejected", "unsafe member path (..)"),
        Case("zip_slip", f"{rel}//tmp/{stem}7", "rejected", "unsafe member path (absolute)"),
        Case("zip_link", f"{rel}/{stem}6", "rejected", "unsafe member (link)"),
        Case("zip_bomb", f"{rel}/{stem}5", "rejected", "over 200x"),
    ]

    # nested four levels deep: the innermost zip is refused, the outer holds nothing placeable
    inner = zip_of([(f"P.{ACO}.ACO.AALR.D249999.T0100002_1-1.csv", b"BENE_MBI_ID\nX\n")])
    for level in range(3):
        inner = zip_of([(f"level{level}.zip", inner)])
    rel = write(store_root, f"{folder('116')}/P.{ACO}.ACO.HASSGN.D231016.T1010101.zip", inner)
    corpus.cases += [
        Case("nested_too_deep", f"{rel}/level2.zip/level1.zip/level0.zip", "rejected", "nested deeper than 3"),
        Case("nested_too_deep", rel, "rejected", "no member the catalog can place"),
    ]

    # a nested member that looks like a zip but is not one, beside a good ALR member
    good_csv = b"BENE_MBI_ID,BENE_1ST_NAME\n1AC0AC0AC01,ALEX\n1AC0AC0AC02,BLAIR\n"
    broken = zip_of([("x.csv", b"a,b\n1,2\n")])[:30]
    stem = f"P.{ACO}.ACO.AALR.D249999.T0100003"
    rel = write(store_root, f"{folder('116')}/P.{ACO}.ACO.HASSGN.D231017.T1010102.zip", zip_of([
        (f"{stem}_1-9.csv", good_csv), (stem, broken)]))
    corpus.rows[ALR_TABLES["9"]] += 2
    corpus.good_files += 1
    corpus.cases.append(Case("nested_not_a_zip", f"{rel}/{stem}", "rejected", "nested zip cannot be opened"))


def _fixed_width(store_root: Path, corpus: Corpus) -> None:
    """Wrong record lengths and a blank line are rejected records; the file still loads."""
    good = cclf_lines("CCLF9", xref_records(2, 2))
    body = f"{good[0]}\n{good[1][:-3]}{CONTENT_MARKER}\n\n{good[1]}\n"
    stem = f"P.{ACO}.ACO.ZC9Y24.D240515.T4000009"
    empty = f"P.{ACO}.ACO.ZC6Y24.D240515.T4000006"
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240515.T4000000.zip", zip_of([
        (stem, body.encode()), (empty, b"")]))
    corpus.rows[CCLF_TABLES["9"]] += 2
    corpus.cases += [
        Case("wrong_record_length", f"{rel}/{stem}", "loaded", "record longer than layout", 2, 2),
        Case("empty_member", f"{rel}/{empty}", "loaded", "", 0, 0),
    ]
    xref = f"{YEAR}01" + "1AC0AC0AC01" + "1AD0AD0AD01" + "20200101" + "20231231"
    rel = write(store_root, f"{folder('183')}/P.{ACO}.ACO.MBIR24.D240203.T1033541.txt",
                f"{xref}\r\n{xref}{CONTENT_MARKER}\r\n{xref}\r\n".encode())
    corpus.rows["excluded_beneficiary_mbi_xref"] += 2
    corpus.cases.append(Case("wrong_record_length", rel, "loaded", "record longer than layout: 57 > 44", 2, 1))


def _cclf0(store_root: Path, corpus: Corpus) -> None:
    nine = cclf_lines("CCLF9", xref_records(2, 3))
    stem = f"P.{ACO}.ACO.ZC{{t}}Y24.D240615.T500000{{t}}"
    zero = cclf0_text(["CCLF9  |Beneficiary XREF File  |        abc|   55 ",
                       "CCLF9  |Beneficiary XREF File  |          2|   55 CCLF8  |Demographics|   4|  99"])
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240615.T5000000.zip", zip_of([
        (stem.format(t="0"), zero), (stem.format(t="9"), ("\n".join(nine) + "\n").encode())]))
    corpus.rows[CCLF_TABLES["9"]] += 2
    corpus.good_files += 1
    corpus.cases.append(Case("cclf0_not_numeric", f"{rel}/{stem.format(t='0')}", "loaded",
                             "record count or length is not numeric", 0, 2))

    stem = f"P.{ACO}.ACO.ZC{{t}}Y24.D240715.T600000{{t}}"
    zero = cclf0_text(["CCLF8  |Beneficiary Demographics File|          5|  99 ",
                       "CCLF9  |Beneficiary XREF File        |          2|   55 "])
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240715.T6000000.zip", zip_of([
        (stem.format(t="0"), zero), (stem.format(t="9"), ("\n".join(nine) + "\n").encode())]))
    corpus.rows[CCLF_TABLES["9"]] += 2
    corpus.rows[CCLF_TABLES["0"]] += 2
    corpus.good_files += 1
    # the reconciliation warning is written by the CCLF subflow (checked in the CLI run)
    corpus.cases.append(Case("cclf0_names_absent_file", f"{rel}/{stem.format(t='0')}", "loaded", "", 2, 0))


def _csvs(store_root: Path, corpus: Corpus) -> None:
    stem = f"P.{ACO}.ACO.AALR.Y2023.D249999.T0600000"
    wrong_count = (f"BENE_MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME\r\n1AC0AC0AC01,ALEX,MERCER\r\n"
                   f"1AC0AC0AC02,{CONTENT_MARKER},MERCER,EXTRA\r\n1AC0AC0AC03\r\n1AC0AC0AC04,DREW,JARVIS\r\n")
    no_key = "BENE_1ST_NAME,BENE_LAST_NAME\nALEX,MERCER\nDREW,JARVIS\nSAGE,LANGLEY\n"
    junk = bytes(range(256)) * 8
    rel = write(store_root, f"{folder('129')}/{stem}", zip_of([
        (f"{stem}_1-1.csv", wrong_count.encode()), (f"{stem}_1-2.csv", no_key.encode()),
        (f"{stem}_1-4.csv", b"BENE_MBI_ID,TIN,NPI\n"), (f"{stem}_1-5.csv", junk),
        (f"{stem}_1-9.csv", (",".join(HEADERLESS_VALUES) + "\n1AC0AC0AC05,SAGE,03/04/1950\n").encode())]))
    corpus.rows[ALR_TABLES["1"]] += 2
    corpus.rows[ALR_TABLES["2"]] += 3
    corpus.cases += [
        Case("csv_wrong_field_count", f"{rel}/{stem}_1-1.csv", "loaded", "4 fields, header has 3", 2, 2),
        Case("csv_missing_key_column", f"{rel}/{stem}_1-2.csv", "loaded", "", 3, 0),
        Case("csv_header_only", f"{rel}/{stem}_1-4.csv", "loaded", "", 0, 0),
        Case("csv_binary_junk", f"{rel}/{stem}_1-5.csv", "rejected", "binary content"),
        Case("csv_no_header", f"{rel}/{stem}_1-9.csv", "rejected", "first line is not a CSV header"),
    ]
    rel = write(store_root, f"{folder('131')}/P.{ACO}.ACO.QALR.2024Q1.D249999.T0100009_1-6.csv", b"")
    corpus.cases.append(Case("empty_file", rel, "rejected", "empty file"))


def _workbooks_and_xml(store_root: Path, corpus: Corpus) -> None:
    rel = write(store_root, f"{folder('115')}/P.{ACO}.ACO.BNMRK.D240901.T1200000.xlsx",
                b"this is not a workbook " * 40)
    corpus.cases.append(Case("xlsx_not_a_workbook", rel, "rejected", "not an xlsx workbook"))
    rel = write(store_root, f"{folder('125')}/P.{ACO}.ACO.AEXPU.Y2023.D240902.T1200000.xlsx",
                zip_of([("data.csv", b"a,b\n1,2\n")]))
    corpus.cases.append(Case("xlsx_zip_not_a_workbook", rel, "rejected", "not an xlsx workbook"))

    xml = (f'<?xml version="1.0"?>\n<PFDCACOBeneData><Header><HeaderCode>H</HeaderCode></Header>'
           f"<Beneficiarys><Beneficiary><MBI>{CONTENT_MARKER}</MB></Beneficiary>").encode()
    rel = write(store_root, f"{folder('114')}/P.{ACO}.BNEX.R24.D240312.T1420361.xml", xml)
    corpus.cases.append(Case("malformed_xml", rel, "rejected", "XML"))
    rel = write(store_root, f"{folder('114')}/P.{ACO}.BNEX.R24.D240412.T1420362.xml", b"")
    corpus.cases.append(Case("empty_file", rel, "rejected", "XML"))


def _names(store_root: Path, corpus: Corpus) -> None:
    xref = (f"{YEAR}01" + "1AC0AC0AC01" + "1AD0AD0AD01" + "20200101" + "20231231\r\n").encode()
    rel = write(store_root, f"{folder('183')}/P.{ACO}.ACO.MBIY24.D241340.T1033542.txt", xref)
    corpus.cases.append(Case("bad_date_not_calendar", rel, "rejected", "not a calendar date"))
    rel = write(store_root, f"{folder('114')}/P.{ACO}.BNEX.R24.D24NOV12.T1420363.xml", b"<x/>")
    corpus.cases.append(Case("bad_date_not_numeric", rel, "rejected", "malformed date stamp"))
    rel = write(store_root, f"{folder('183')}/P.A9876.ACO.MBIY24.D240103.T1033543.txt", xref)
    corpus.cases.append(Case("unknown_aco_id", rel, "rejected", "ACO id A9876"))
    rel = write(store_root, f"{folder('131')}/meeting_notes.docx", b"not data")
    corpus.cases.append(Case("non_cms_name", rel, "rejected", "matches no MSSP file family"))


def _store_entries(store_root: Path, corpus: Corpus) -> None:
    """Entries that are not plain files, and a name that would forge a log line: never opened."""
    import os

    base = store_root / folder("131")
    stem = f"P.{ACO}.ACO.QALR.2024Q2.D249999.T02000{{n}}_1-1.csv"
    links = {"symlink_out_of_store": ("/etc/passwd", "a symbolic link"),
             "symlink_dangling": (str(store_root / "gone.csv"), "a dangling symbolic link"),
             "symlink_to_directory": (str(base), "a symbolic link to a directory")}
    for n, (key, (target, reason)) in enumerate(links.items(), start=10):
        (base / stem.format(n=n)).symlink_to(target)
        corpus.cases.append(Case(key, f"{folder('131')}/{stem.format(n=n)}", "rejected", reason))
    os.mkfifo(base / stem.format(n=20))
    corpus.cases.append(Case("fifo", f"{folder('131')}/{stem.format(n=20)}", "rejected", "named pipe"))
    forged = stem.format(n=21).replace("_1-1", "_1-1\nINFO: all good")
    write(store_root, f"{folder('131')}/{forged}", b"BENE_MBI_ID\n")
    corpus.cases.append(Case("control_character_name", repr(f"{folder('131')}/{forged}")[1:-1], "rejected",
                             "control or invisible character"))
