"""The layouts shipped with the project equal the team's reference CSV and are self-consistent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tasks.layouts import LAYOUT_DIR, fixed_width_layout

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "cclf_layouts" / "cclf_layouts_clean.csv"
RECORD_LENGTHS = {"CCLF1": 437, "CCLF2": 199, "CCLF3": 114, "CCLF4": 112, "CCLF5": 388, "CCLF6": 247,
                  "CCLF7": 195, "CCLF8": 549, "CCLF9": 55, "CCLFA": 324, "CCLFB": 128, "MBIXREF": 44}


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/ reference folder not beside the project")
def test_project_copy_equals_reference() -> None:
    assert (LAYOUT_DIR / "cclf_layouts_clean.csv").read_bytes() == REFERENCE.read_bytes()


@pytest.mark.parametrize("file_type", sorted(RECORD_LENGTHS))
def test_fields_are_contiguous_and_sum_to_record_length(file_type: str) -> None:
    layout = fixed_width_layout(file_type)
    position = 1
    for f in layout.fields:
        assert f.start == position, f"{file_type}.{f.name} starts at {f.start}, expected {position}"
        position = f.end + 1
    assert layout.record_length == RECORD_LENGTHS[file_type]
    assert len(set(layout.columns)) == len(layout.columns)


def test_positions_match_the_csv_rows() -> None:
    with open(LAYOUT_DIR / "cclf_layouts_clean.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["record"] == "data"]
    for r in rows:
        f = next(x for x in fixed_width_layout(r["file_type"]).fields if x.name == r["name"].lower())
        assert (f.start, f.end, f.length) == (int(r["start"]), int(r["end"]), int(r["length"]))
