"""The ALR and report generators: names the registry places, parsers' counts = the manifest."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.synthetic.alr import quarter_window, write_alr_files
from demo.synthetic.population import make_population
from demo.synthetic.reports import write_report_files
from tasks.families import classify_name
from tasks.models import CatalogEntry, ParseReport
from tasks.parsers.delimited import parse_csv
from tasks.parsers.xlsx import parse_xlsx_cells, parse_xlsx_sheets
from tasks.parsers.xml_bnex import parse_xml_bnex

PARSERS = {
    "csv": parse_csv,
    "xml_bnex": parse_xml_bnex,
    "xlsx_sheets": parse_xlsx_sheets,
    "xlsx_cells": parse_xlsx_cells,
}


def _walk(root: Path) -> Iterator[tuple[str, tuple[str, ...], bytes]]:
    """(file_path, container names, bytes) of every data file, members of nested zips too."""

    def members(
        path: str, chain: tuple[str, ...], data: bytes
    ) -> Iterator[tuple[str, tuple[str, ...], bytes]]:
        if data[:4] == b"PK\x03\x04" and not path.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for name in zf.namelist():
                    yield from members(
                        f"{path}/{name}", (*chain, path.rsplit("/", 1)[-1]), zf.read(name)
                    )
        else:
            yield path, chain, data

    for p in sorted(root.rglob("*")):
        if p.is_file():
            yield from members(p.relative_to(root).as_posix(), (), p.read_bytes())


def _load(root: Path) -> tuple[Counter[str], list[str], dict[str, list]]:
    counts: Counter[str] = Counter()
    unplaced: list[str] = []
    tables: dict[str, list] = {}
    for path, chain, data in _walk(root):
        name = path.rsplit("/", 1)[-1]
        kind = classify_name(name, chain)
        if kind is None:
            unplaced.append(path)
            continue
        assert kind.aco_id in (None, "A9999"), path
        if kind.format == "fixed_width":
            counts[kind.table] += len(data.decode().splitlines())
            continue
        entry = CatalogEntry(path, path.split("/")[0], (), len(data), kind)
        report = ParseReport()
        for batch in PARSERS[kind.format](io.BytesIO(data), entry, report):
            assert not batch.rejects, (path, batch.rejects[:3])
            counts[batch.table] += batch.rows.num_rows
            tables.setdefault(batch.table, []).append(batch.rows)
        assert not [n for n in report.notes if "!=" in n], (path, report.notes)
    return counts, unplaced, tables


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], object]:
    pop = make_population(n=60, performance_years=(2025, 2026))
    root = tmp_path_factory.mktemp("store")
    manifest = {**write_alr_files(pop, root, quarters=(1, 4)), **write_report_files(pop, root)}
    return root, manifest, pop


def test_every_generated_file_is_placed_and_counts_match_the_manifest(store) -> None:
    root, manifest, _pop = store
    counts, unplaced, _ = _load(root)
    assert unplaced == []
    assert dict(counts) == manifest
    expected_tables = {
        "aalr1_assigned_beneficiaries",
        "aalr5_beneficiary_turnover",
        "baip_beneficiary_advanced_investment_payment",
        "mcqm_beneficiaries",
        "mcqm_ccs_113ssp",
        "mcqm_htn_236ssp",
        "shadow_bundles_sn",
        "participants_list",
        "provider_and_supplier_list",
        "beneficiary_exclusions",
        "excluded_beneficiary_mbi_xref",
        "bnmrk_table_1",
        "bnmrk_table_6",
        "bnmrk_parameters",
        "aexpu_table_1a",
        "aexpu_table_4a",
        "qexpu_table_2",
    }
    assert expected_tables <= set(manifest)
    assert all(v > 0 for v in manifest.values())


def test_store_layout_and_containers(store) -> None:
    root, _, _ = store
    rel = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert "A9999/2025/131/P.A9999.ACO.QALR.2025Q1.D259999.T0100000" in rel
    assert "A9999/2025/129/P.A9999.ACO.AALR.Y2024.D259999.T0500000" in rel
    assert any(r.startswith("A9999/2025/116/P.A9999.ACO.HASSGN.") for r in rel)
    assert {r.split("/")[2] for r in rel} == {
        "114",
        "115",
        "116",
        "118",
        "125",
        "126",
        "129",
        "131",
        "132",
        "134",
        "183",
        "244",
        "306",
    }
    hassgn = next(root.glob("A9999/2025/116/*"))
    with zipfile.ZipFile(hassgn) as outer:
        inner_name = outer.namelist()[0]
        assert inner_name == "P.A9999.ACO.AALR.D259999.T0100000"
        with zipfile.ZipFile(io.BytesIO(outer.read(inner_name))) as inner:
            assert "P.A9999.ACO.AALR.D259999.T0100000_1-1.csv" in inner.namelist()


def test_alr_quirks_and_population_consistency(store) -> None:
    root, _, pop = store
    with zipfile.ZipFile(root / "A9999/2025/131/P.A9999.ACO.QALR.2025Q1.D259999.T0100000") as zf:
        t1 = zf.read("P.A9999.ACO.QALR.2025Q1.D259999.T0100000_1-1.csv")
        t2 = zf.read("P.A9999.ACO.QALR.2025Q1.D259999.T0100000_1-2.csv")
        t4 = zf.read("P.A9999.ACO.QALR.2025Q1.D259999.T0100000_1-4.csv")
    assert t1.startswith(b'\xef\xbb\xbf"BENE_MBI_ID"') and b"\r\n" in t1
    assert not t1.endswith(b"\n") and b"EnrollFlag1" in t1 and b"HCC_version" in t1
    assert t2.endswith(b"\r\n") and not t2.startswith(b"\xef\xbb\xbf")
    end = quarter_window(2025, 1)[1]
    by_mbi = {b.mbi_on(end): b for b in pop.beneficiaries}
    rows = list(csv.DictReader(io.StringIO(t1.decode("utf-8-sig"))))
    assert rows and all(r["BENE_MBI_ID"] in by_mbi for r in rows)
    start = quarter_window(2025, 1)[0]
    for r in rows:
        b = by_mbi[r["BENE_MBI_ID"]]
        dt.datetime.strptime(r["BENE_BRTH_DT"], "%m/%d/%Y")
        for m in range(12):
            month = dt.date(
                start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1
            )
            dead = b.death_date is not None and month > b.death_date
            assert (r[f"EnrollFlag{m + 1}"] == "0") == dead
    for r in csv.DictReader(io.StringIO(t4.decode())):
        b = by_mbi[r["BENE_MBI_ID"]]
        assert r["MASTER_ID"] == b.clinician.tin or r["NPI_USED"] != b.clinician.npi
    assert any(r["MASTER_ID"].startswith("0") for r in csv.DictReader(io.StringIO(t2.decode())))
    changed = [b for b in pop.beneficiaries if b.previous_mbi and b.mbi_change_date]
    assert any(b.mbi_on(end) == b.previous_mbi for b in changed) or all(
        b.mbi_change_date <= end for b in changed
    )


def test_generators_are_deterministic(tmp_path: Path) -> None:
    pop = make_population(n=20, performance_years=(2025,))

    def digest(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    a, b = tmp_path / "a", tmp_path / "b"
    m1 = {**write_alr_files(pop, a), **write_report_files(pop, a)}
    m2 = {**write_alr_files(pop, b), **write_report_files(pop, b)}
    assert m1 == m2
    assert digest(a) == digest(b)


def test_parsed_values_keep_leading_zeros_and_metadata(store) -> None:
    root, _, _ = store
    _, _, tables = _load(root)
    tin = tables["aalr2_assigned_beneficiaries_tin"][0]
    assert any(v.startswith("0") for v in tin.column("master_id").to_pylist())
    assert "enrollflag12" in tables["aalr1_assigned_beneficiaries"][0].column_names
    cells = tables["bnmrk_table_1"][0].to_pydict()
    assert set(cells["performance_year"]) <= {"2025", "2026"}
    assert set(cells["column_group_label"]) == {"BY1", "BY2", "BY3"}
    assert "-" in tables["bnmrk_table_2"][0].column("value_text").to_pylist()
    assert set(tables["mcqm_beneficiaries"][0].column("period").to_pylist()) <= {
        "2025Q1",
        "2025Q3",
        "2026Q1",
        "2026Q3",
    }


def test_expenditure_figures_by_hand() -> None:
    """Per capita per year = paid / enrolled months x 12, by the ALR flag's enrollment type."""
    import dataclasses

    from demo.synthetic.alr import _enroll_flag
    from demo.synthetic.reports import BENCHMARK_MARKUP, benchmark_figures, expenditure_figures

    pop = make_population("A0001", n=40, seed=3)
    pop = dataclasses.replace(pop, beneficiaries=[
        dataclasses.replace(b, death_date=None) for b in pop.beneficiaries[:2]])
    first, second = pop.beneficiaries
    kinds = {b.index: _enroll_flag(b, dt.date(2024, 1, 1)) for b in pop.beneficiaries}
    paid: Counter[tuple[int, int, int]] = Counter({(first.index, 2024, 1): 300.0, (second.index, 2024, 2): 150.0})
    paid[(first.index, 2024, 3)] += 0  # the claims cover January to March
    figures = expenditure_figures(pop, paid)
    assert set(figures) == {"2024Q1"}  # no whole year of claims
    labels = {"1": "ESRD", "2": "Disabled", "3": "Aged/dual", "4": "Aged/non-dual"}
    if kinds[first.index] == kinds[second.index]:
        # one type, 6 months, 450 paid: 450 / 6 x 12 = 900 per capita per year, 0.5 person years
        assert figures["2024Q1"][labels[kinds[first.index]]] == (900.0, 0.5)
    else:
        assert figures["2024Q1"][labels[kinds[first.index]]] == (1200.0, 0.25)  # 300 / 3 x 12
        assert figures["2024Q1"][labels[kinds[second.index]]] == (600.0, 0.25)
    assert sum(py for _, py in figures["2024Q1"].values()) == 0.5  # the other types: zero person years
    assert benchmark_figures(figures, 2024) == {
        t: round(v[0] * BENCHMARK_MARKUP, 2) for t, v in figures["2024Q1"].items()}
