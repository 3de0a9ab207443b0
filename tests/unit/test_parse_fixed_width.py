"""Fixed-width parsing: every line becomes a row or a reject, whatever its bytes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from demo.synthetic.cclf import RecordWriter
from tasks.families import classify_name
from tasks.layouts import fixed_width_layout
from tasks.models import CatalogEntry, ParseReport
from tasks.parsers.fixed_width import parse_fixed_width
from tasks.parsers.memory_pool import POOL_VARIABLE

NAMES = {"5": "P.A1234.ACO.ZC5Y24.D240115.T1112205", "7": "P.A1234.ACO.ZC7Y24.D240115.T1112207",
         "9": "P.A1234.ACO.ZC9Y24.D240115.T1112209"}


def entry_for(cclf_type: str) -> CatalogEntry:
    name = NAMES[cclf_type]
    return CatalogEntry(f"A1234/2024/113/{name}", f"A1234/2024/113/{name}", (), 0, classify_name(name))


def parse(cclf_type: str, data: bytes) -> tuple[pa.Table, list, ParseReport]:
    report = ParseReport()
    batches = list(parse_fixed_width(io.BytesIO(data), entry_for(cclf_type), report))
    table = pa.concat_tables([b.rows for b in batches]) if batches else None
    rejects = [r for b in batches for r in b.rejects]
    return table, rejects, report


def xref(crnt: str, prvs: str, rrb: str = "") -> str:
    return RecordWriter("CCLF9").line({"hicn_mbi_xref_ind": "M", "crnt_num": crnt, "prvs_num": prvs,
                                       "bene_rrb_num": rrb})


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_line_endings_and_missing_final_newline(newline: bytes, final_newline: bool) -> None:
    lines = [xref("1AA0AA0AA01", "1AA0AA0AA02"), xref("1AA0AA0AA03", "1AA0AA0AA04")]
    data = newline.join(x.encode() for x in lines) + (newline if final_newline else b"")
    table, rejects, report = parse("9", data)
    assert table.num_rows == 2 and rejects == [] and report.records_seen == 2
    assert table["crnt_num"].to_pylist() == ["1AA0AA0AA01", "1AA0AA0AA03"]
    assert table["file_row_number"].to_pylist() == [1, 2]


def test_values_are_trimmed_text_blank_is_null_zeros_kept() -> None:
    line = RecordWriter("CCLF5").line({"cur_clm_uniq_id": "0000000042", "clm_line_num": "01",
                                       "clm_line_cvrd_pd_amt": -12.5})
    table, _, _ = parse("5", line.encode() + b"\n")
    row = table.to_pylist()[0]
    assert row["cur_clm_uniq_id"] == "0000000042"
    assert row["clm_line_num"] == "01"
    assert row["clm_line_cvrd_pd_amt"] == "-00000000012.50"
    assert row["bene_mbi_id"] is None


def test_commas_quotes_and_non_ascii_bytes_are_kept() -> None:
    utf8 = RecordWriter("CCLF9").line({"crnt_num": 'A,"B"', "prvs_num": "Ñandú"}).encode("utf-8")
    latin1 = RecordWriter("CCLF9").line({"crnt_num": "C\u00e9", "prvs_num": "X"}).encode("latin-1")
    ascii_ = xref("PLAIN", "Y").encode()
    table, rejects, report = parse("9", b"\n".join([utf8, latin1, ascii_]) + b"\n")
    assert rejects == [] and report.records_seen == 3
    assert table["crnt_num"].to_pylist() == ['A,"B"', "C\u00e9", "PLAIN"]
    assert table["prvs_num"].to_pylist()[0] == "Ñandú"


def test_short_records_get_null_trailing_fields() -> None:
    full = xref("CUR", "PRV", rrb="RRB123")
    table, rejects, report = parse("9", (full[:30] + "\n" + full + "\n").encode())
    assert rejects == []
    assert table["prvs_num"].to_pylist() == ["PRV", "PRV"]
    assert table["bene_rrb_num"].to_pylist() == [None, "RRB123"]
    assert report.length_counts == {30: 1, 55: 1}


def test_longer_records_with_blank_excess_pass_and_with_data_are_rejected() -> None:
    line = xref("CUR", "PRV")
    data = f"{line}     \n{line}JUNK\n{line}\n".encode()
    table, rejects, report = parse("9", data)
    assert table.num_rows == 2 and report.records_seen == 3
    assert [r.file_row_number for r in rejects] == [2]
    assert rejects[0].reason == "record longer than layout: 59 > 55 (line 2)"
    assert table["file_row_number"].to_pylist() == [1, 3]


def test_blank_lines_are_rejects_not_silently_skipped() -> None:
    line = xref("CUR", "PRV")
    table, rejects, report = parse("9", f"{line}\n\n   \n{line}\n".encode())
    assert table.num_rows == 2
    assert [(r.file_row_number, r.reason) for r in rejects] == [(2, "blank line (line 2)"), (3, "blank line (line 3)")]
    assert report.records_seen == 4


def test_cclf7_195_and_230_character_records() -> None:
    writer = RecordWriter("CCLF7")
    short = writer.line({"cur_clm_uniq_id": "1", "clm_prsbng_prvdr_gnrc_id_num": "1111111111"})
    assert len(short) == 195
    long_blank_old = short[:117] + " " * 20 + short[137:] + "2222222222".ljust(35)
    long_old_only = short + " " * 35
    table, rejects, _ = parse("7", "\n".join([short, long_blank_old, long_old_only]).encode())
    assert rejects == []
    assert table["clm_prsbng_prvdr_gnrc_id_num"].to_pylist() == ["1111111111", "2222222222", "1111111111"]
    too_long = short + "X" * 40
    _, rejects, _ = parse("7", too_long.encode())
    assert rejects[0].reason.startswith("record longer than layout: 235 > 230")


def test_intentionally_blank_placeholder_has_no_records() -> None:
    table, rejects, report = parse("9", b"This file is intentionally blank\r\n")
    assert table.num_rows == 0 and rejects == [] and report.records_seen == 0
    assert "intentionally blank" in report.notes[0]


def test_empty_file_has_no_records() -> None:
    table, rejects, report = parse("9", b"")
    assert table.num_rows == 0 and report.records_seen == 0
    assert table.column_names[:2] == ["hicn_mbi_xref_ind", "crnt_num"]


def test_large_input_streams_in_several_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasks.parsers.fixed_width as mod

    monkeypatch.setattr(mod, "CHUNK_BYTES", 1000)
    lines = [xref(f"C{i:06d}", f"P{i:06d}") for i in range(500)]
    table, rejects, report = parse("9", ("\r\n".join(lines)).encode())
    assert table.num_rows == 500 and report.records_seen == 500
    assert table["file_row_number"].to_pylist() == list(range(1, 501))
    assert table["crnt_num"].to_pylist()[-1] == "C000499"


def test_every_layout_column_is_present() -> None:
    table, _, _ = parse("5", (RecordWriter("CCLF5").line({"cur_clm_uniq_id": "1"}) + "\n").encode())
    assert table.column_names == fixed_width_layout("CCLF5").columns + ["file_row_number"]


@pytest.mark.parametrize(("variable", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_parsing_allocates_from_the_system_pool_unless_the_operator_chose_one(variable, expected):
    """mimalloc made the same cut 3x slower in one run of four (tasks/parsers/memory_pool.py)."""
    env = {k: v for k, v in os.environ.items() if k != POOL_VARIABLE}
    if variable:
        env[POOL_VARIABLE] = variable
    code = ("import pyarrow as pa; from tasks.parsers import parser_for; parser_for('fixed_width'); "
            "print(pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
