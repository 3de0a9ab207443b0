"""The edge-case store generator (demo/synthetic/edge_cases.py): deterministic, every case written."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from demo.synthetic.edge_cases import generate_edge_store


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_edge_store_is_deterministic_and_every_case_is_written(tmp_path: Path) -> None:
    first = generate_edge_store(tmp_path / "a")
    generate_edge_store(tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert first.cases and all(first.cases.values()), first.cases
    edge = next((tmp_path / "a").rglob("*.D240715.*.zip"))  # the edge-case bundle
    with zipfile.ZipFile(edge) as zf:
        text = "".join(zf.read(n).decode("latin-1") for n in zf.namelist())
    for case, ids in first.cases.items():
        assert all(i in text for i in ids), case
    assert first.rows["parta_claims_header"] > 0 and first.rows["aalr1_assigned_beneficiaries"] > 0
