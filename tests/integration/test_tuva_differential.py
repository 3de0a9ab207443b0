"""Differential test: our dbt/cclf against Tuva's medicare_cclf_connector on one edge-case store.

The store (``demo.synthetic.edge_cases``) is loaded with our loader into DuckDB; ``dbt/alr`` builds
``alr.enrollment``; then ``dbt/cclf`` (on the warehouse) and the vendored connector (on a copy, see
``tuva_connector``) build at the same time. medical_claim, pharmacy_claim and eligibility are compared
row by row; every difference must fall in a class of ``tuva_differences.CLASSES``, the list
docs/tuva_differences.md documents with the row counts below.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from tuva_connector import finish_connector, start_connector, vendored
from tuva_differences import CLASSES, Difference, classify, snapshot, totals

from demo.synthetic.edge_cases import EdgeManifest, generate_edge_store
from tasks.dbt.runner import build_project
from tasks.settings import load_settings
from tests.loading import load_store

pytestmark = [pytest.mark.dbt, pytest.mark.slow,
              pytest.mark.skipif(not vendored(), reason="vendored medicare_cclf_connector not present")]

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "tuva_differences.md"


@dataclass(frozen=True)
class Differential:
    manifest: EdgeManifest
    ours: Path
    connector: Path
    differences: list[Difference]


@pytest.fixture(scope="module")
def differential(tmp_path_factory: pytest.TempPathFactory) -> Differential:
    root = tmp_path_factory.mktemp("tuva-diff")
    store, warehouse = root / "store", root / "warehouse.duckdb"
    started = time.monotonic()
    manifest = generate_edge_store(store)
    outcomes = load_store(store, warehouse)
    assert [o for o in outcomes if o.status != "loaded"] == []
    loaded = time.monotonic()
    with pytest.MonkeyPatch.context() as mp:
        # our own dbt tests run in test_dbt_alr/test_dbt_cclf; here only the relations are compared
        mp.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "test unit_test")
        mp.setenv("MSSP_OUTPUT_TYPE", "DUCKDB")
        mp.setenv("MSSP_OUTPUT_LOCATION", str(warehouse))
        settings = load_settings()
        build_project(REPO / "dbt" / "alr", settings, use_prefect=False, select=["+enrollment"],
                      work_dir=root / "dbt-alr").raise_for_failure()
        alr = time.monotonic()
        proc, connector = start_connector(warehouse, root / "connector")
        try:
            build_project(REPO / "dbt" / "cclf", settings, use_prefect=False,
                          work_dir=root / "dbt-cclf").raise_for_failure()
            cclf = time.monotonic()
        finally:
            finish_connector(proc)
    built = time.monotonic()
    ours = snapshot(warehouse)
    differences = classify(ours, connector)
    print(f"tuva differential: generate+load {loaded - started:.1f}s, alr {alr - loaded:.1f}s, "
          f"cclf {cclf - alr:.1f}s, connector done {built - alr:.1f}s, "
          f"compare {time.monotonic() - built:.1f}s")
    return Differential(manifest, ours, connector, differences)


def class_counts(differences: list[Difference]) -> Counter[tuple[str | None, str, str]]:
    return Counter((d.cls, d.tbl, d.kind) for d in differences)


def test_every_difference_has_a_documented_class(differential: Differential) -> None:
    for (cls, tbl, kind), n in sorted(class_counts(differential.differences).items(), key=str):
        print(f"{cls}: {tbl} {kind} {n}")
    unknown = [d for d in differential.differences if d.cls is None]
    assert unknown == [], f"{len(unknown)} difference(s) of no known class, first: {unknown[:5]}"


def test_the_comparison_is_not_vacuous(differential: Differential) -> None:
    """Both sides built rows, most rows agree, and the edge cases produce their differences."""
    ours, theirs = totals(differential.ours), totals(differential.connector)
    for table in ("medical", "pharmacy", "eligibility"):
        assert ours[table][0] > 0 and theirs[table][0] > 0, (table, ours, theirs)  # type: ignore[index]
    assert len(differential.differences) < ours["medical"][0] / 4  # type: ignore[index,operator]
    seen = {d.cls for d in differential.differences}
    assert seen == {c.name for c in CLASSES}, "every class is exercised by the edge-case store"


def test_a_difference_of_no_class_fails(differential: Differential, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without one class its rows are unclassified: the first test would fail on them."""
    import tuva_differences

    dropped = CLASSES[2]
    monkeypatch.setattr(tuva_differences, "CLASSES", tuple(c for c in CLASSES if c is not dropped))
    again = tuva_differences.classify(differential.ours, differential.connector)
    assert len(again) == len(differential.differences)
    unknown = [d for d in again if d.cls is None]
    assert unknown and len(unknown) == sum(d.cls == dropped.name for d in differential.differences)


def test_the_doc_lists_every_class_with_its_counts(differential: Differential) -> None:
    doc = DOC.read_text(encoding="utf-8")
    counts = Counter(d.cls for d in differential.differences)
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    assert listed == {c.name for c in CLASSES}, listed ^ {c.name for c in CLASSES}
    for c in CLASSES:
        assert f"`{c.name}`" in doc, f"{c.name} missing from {DOC.name}"
        m = re.search(rf"`{c.name}`[^\n]*\|\s*([^|]*?)\s*\|\s*(\d+)\s*\|\s*$", doc, re.M)
        assert m, f"{c.name}: no effects and row-count columns in the table of {DOC.name}"
        assert m.group(1) == ", ".join(f"`{e}`" for e in c.effects), (c.name, m.group(1))
        assert int(m.group(2)) == counts.get(c.name, 0), (c.name, counts.get(c.name, 0))
