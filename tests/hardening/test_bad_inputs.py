"""Every bad input beside good files: recorded with a one-line reason, good files load fully.

Per-case checks load the corpus without Prefect (tests/loading.py: the functions the tasks
call); the CLI runs once over the whole corpus for the exit status and the CCLF0 warnings.
"""

from __future__ import annotations

import struct
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.hardening.bad_inputs import CONTENT_MARKER, Corpus, build_corpus
from tests.loading import load_store, table_counts

CASE_KEYS = (
    "truncated_zip", "empty_zip", "non_cms_member", "zip_slip", "zip_link", "zip_bomb", "nested_too_deep",
    "nested_not_a_zip", "wrong_record_length", "empty_member", "cclf0_not_numeric", "cclf0_names_absent_file",
    "csv_wrong_field_count", "csv_missing_key_column", "csv_header_only", "csv_binary_junk", "csv_no_header",
    "empty_file",
    "xlsx_not_a_workbook", "xlsx_zip_not_a_workbook", "malformed_xml", "bad_date_not_calendar",
    "bad_date_not_numeric", "unknown_aco_id", "non_cms_name", "symlink_out_of_store", "symlink_dangling",
    "symlink_to_directory", "fifo", "control_character_name",
)
GOOD_STATUSES = ("loaded", "replaced")


@dataclass(frozen=True)
class Loaded:
    corpus: Corpus
    warehouse: Path
    first_counts: dict[str, int]
    second_counts: dict[str, int]


def ledger(warehouse: Path, run_id: str) -> dict[str, list[tuple]]:
    """file_path -> [(status, message, rows_loaded, rows_rejected, load_id)] of one run."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""select file_path, status, message, rows_loaded, rows_rejected, load_id
                              from mssp_meta.file_loads where run_id = ?""", [run_id]).fetchall()
    out: dict[str, list[tuple]] = {}
    for path, *rest in rows:
        out.setdefault(path, []).append(tuple(rest))
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    root = tmp_path_factory.mktemp("bad_inputs")
    corpus = build_corpus(root / "store")
    warehouse = root / "warehouse" / "mssp.duckdb"
    load_store(root / "store", warehouse, run_id="r1")
    first = table_counts(warehouse)
    load_store(root / "store", warehouse, run_id="r2")
    return Loaded(corpus, warehouse, first, table_counts(warehouse))


def test_the_corpus_has_every_case(loaded: Loaded) -> None:
    assert {c.key for c in loaded.corpus.cases} == set(CASE_KEYS)


@pytest.mark.parametrize("key", CASE_KEYS)
def test_bad_input_is_in_the_ledger_with_a_one_line_reason(loaded: Loaded, key: str) -> None:
    first, second = ledger(loaded.warehouse, "r1"), ledger(loaded.warehouse, "r2")
    for case in loaded.corpus.case(key):
        rows = first.get(case.file_path)
        assert rows is not None and len(rows) == 1, f"{case.file_path} not in the ledger exactly once: {rows}"
        status, message, rows_loaded, rows_rejected, load_id = rows[0]
        assert (status, rows_loaded, rows_rejected) == (case.status, case.rows_loaded, case.rows_rejected)
        if case.reason:
            assert message and case.reason in message, message
        if message:
            assert "\n" not in message and len(message) <= 500
            assert CONTENT_MARKER not in message
        reasons = [r[0] for r in _query(loaded.warehouse, "select reason from mssp_meta.rejected_records "
                                        "where file_path = ? and load_id = ?", [case.file_path, load_id])]
        assert len(reasons) == case.rows_rejected
        assert all("line" in r and "\n" not in r and CONTENT_MARKER not in r for r in reasons), reasons
        if case.status in GOOD_STATUSES:
            assert _raw_rows(loaded.warehouse, case.file_path) == case.rows_loaded
        else:
            assert _raw_rows(loaded.warehouse, case.file_path) == 0
        again = [r[0] for r in second.get(case.file_path, [])]
        assert again == (["rejected"] if case.status == "rejected" else ["unchanged"])


def test_good_files_beside_the_bad_ones_load_fully(loaded: Loaded) -> None:
    assert loaded.first_counts == dict(loaded.corpus.rows)
    good = {p: rows for p, rows in ledger(loaded.warehouse, "r1").items() if p not in loaded.corpus.case_paths}
    assert len(good) == loaded.corpus.good_files
    assert Counter(rows[0][0] for rows in good.values()) == {"loaded": loaded.corpus.good_files}
    for path, ((_, _, rows_loaded, rows_rejected, _),) in good.items():
        assert rows_rejected == 0, path
        assert _raw_rows(loaded.warehouse, path) == rows_loaded, path


def test_a_second_run_duplicates_nothing(loaded: Loaded) -> None:
    assert loaded.second_counts == loaded.first_counts
    second = ledger(loaded.warehouse, "r2")
    good = [rows[0][0] for p, rows in second.items() if p not in loaded.corpus.case_paths]
    assert Counter(good) == {"unchanged": loaded.corpus.good_files}
    assert _query(loaded.warehouse, """select file_path, file_row_number from mssp_meta.rejected_records
                                       group by all having count(*) > 1""") == []


def test_cli_over_the_whole_corpus_finishes_and_exits_1(corpus_cli_run) -> None:
    run = corpus_cli_run
    assert run.result.returncode == 1, run.result.stderr[-3000:]
    assert "run failed:" in run.result.stderr
    assert "Run summary" in run.result.stdout
    assert table_counts(run.warehouse) == dict(run.expected_rows)
    (run_id,) = {r[0] for r in _query(run.warehouse, "select run_id from mssp_meta.file_loads")}
    statuses = dict(_query(run.warehouse, "select file_path, status from mssp_meta.file_loads"))
    for case in run.corpus.cases:
        assert statuses.get(case.file_path) == case.status, case
    messages = dict(_query(run.warehouse, "select file_path, message from mssp_meta.file_loads"))
    (absent,) = run.corpus.case("cclf0_names_absent_file")
    assert "CCLF0 names CCLF8, but the bundle has no such file" in (messages[absent.file_path] or "")
    assert all("\n" not in (m or "") and CONTENT_MARKER not in (m or "") for m in messages.values())
    assert all("\n" not in p for p in statuses)  # a newline in a name reaches no ledger path
    output = run.result.stdout + run.result.stderr
    (forged,) = run.corpus.case("control_character_name")
    assert forged.file_path.rsplit("/", 1)[-1] in output  # named, escaped
    assert not any(line.lstrip().startswith("INFO: all good") for line in output.splitlines())
    assert run_id


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _raw_rows(warehouse: Path, file_path: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_data'").fetchall()]
        return sum(con.execute(f'select count(*) from raw_data."{t}" where file_path = ?', [file_path]).fetchone()[0]
                   for t in tables)


# --- members zipfile cannot read: one bad member must not take its bundle (or the run) down -----

def _patched_member(raw: bytes, index: int, *, crc: int | None = None, method: int | None = None,
                    flags: int | None = None) -> bytes:
    """Rewrite header fields of the ``index``-th member in both the local and the central header."""
    data = bytearray(raw)
    central = [i for i in range(len(data) - 4) if data[i:i + 4] == b"PK\x01\x02"][index]
    local = struct.unpack_from("<I", data, central + 42)[0]
    for header, (flag_at, method_at, crc_at) in ((central, (8, 10, 16)), (local, (6, 8, 14))):
        if flags is not None:
            struct.pack_into("<H", data, header + flag_at, flags)
        if method is not None:
            struct.pack_into("<H", data, header + method_at, method)
        if crc is not None:
            struct.pack_into("<I", data, header + crc_at, crc)
    return bytes(data)


UNREADABLE = {
    "bad_crc": {"crc": 0xDEADBEEF},
    "deflate64": {"method": 9},  # a method Python's zipfile does not implement
    "encrypted": {"flags": 1},  # password-protected member
}


@pytest.mark.parametrize("problem", sorted(UNREADABLE))
def test_an_unreadable_member_is_refused_alone(tmp_path: Path, problem: str) -> None:
    from tests.hardening.bad_inputs import ACO, cclf_lines, folder, write, xref_records, zip_of

    good = ("\n".join(cclf_lines("CCLF9", xref_records(3, 1))) + "\n").encode()
    stem = f"P.{ACO}.ACO.ZC9Y24.D240415.T300000"
    raw = zip_of([(f"{stem}9", good), (f"{stem}8", good)], zipfile.ZIP_STORED)
    bundle = write(tmp_path / "store", f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240915.T8000000.zip",
                   _patched_member(raw, 1, **UNREADABLE[problem]))
    other = write(tmp_path / "store", f"{folder('113')}/P.{ACO}.ACO.ZCY24.D241015.T8000000.zip",
                  zip_of([(f"{stem}9", good)]))
    outcomes = {o.file_path: o for o in load_store(tmp_path / "store", tmp_path / "w" / "mssp.duckdb")}
    assert (outcomes[f"{bundle}/{stem}9"].status, outcomes[f"{bundle}/{stem}9"].rows_loaded) == ("loaded", 3)
    assert (outcomes[f"{other}/{stem}9"].status, outcomes[f"{other}/{stem}9"].rows_loaded) == ("loaded", 3)
    assert outcomes[f"{bundle}/{stem}8"].status in ("rejected", "failed")
    assert outcomes[f"{bundle}/{stem}8"].message


def test_a_lying_size_header_cannot_expand_past_its_declared_size(tmp_path: Path) -> None:
    """A bomb whose headers declare a small size: the read stops at the declared size and fails CRC."""
    from tests.hardening.bad_inputs import ACO, folder, write, zip_of

    name = f"P.{ACO}.ACO.ZC9Y24.D240415.T3000009"
    raw = bytearray(zip_of([(name, b" " * (16 * 1024 * 1024))]))
    struct.pack_into("<I", raw, 22, 2000)  # local header: uncompressed size
    struct.pack_into("<I", raw, raw.rfind(b"PK\x01\x02") + 24, 2000)  # central directory
    bundle = write(tmp_path / "store", f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240915.T8000000.zip", bytes(raw))
    member, container = load_store(tmp_path / "store", tmp_path / "w" / "mssp.duckdb")
    assert member.file_path.startswith(bundle) and member.status in ("rejected", "failed")
    assert "CRC" in (member.message or "")
    assert (container.file_path, container.status) == (bundle, "rejected")  # no member it could place
    assert table_counts(tmp_path / "w" / "mssp.duckdb").get("beneficiary_xref", 0) == 0
