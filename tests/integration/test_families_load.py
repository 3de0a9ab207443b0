"""Every MSSP family through the real loader: counts, schema drift by name, bad files, incremental rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from demo.synthetic.alr import write_alr_files
from demo.synthetic.population import make_population
from demo.synthetic.reports import write_report_files
from tests.loading import load_store, query, statuses, table_counts
from tests.zips import zip_bytes

FAMILIES = ["alr", "reports", "mcqm", "shadow_bundles", "participant_list", "bnex", "bnex_mbi_xref", "benchmark"]


@pytest.fixture(scope="module")
def family_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("families") / "store"
    pop = make_population("A1234", n=30, seed=11, performance_years=(2025, 2026))
    manifest = {**write_alr_files(pop, root, quarters=(1, 2)), **write_report_files(pop, root)}
    return root, manifest


@pytest.fixture
def loaded(family_store, tmp_path: Path) -> tuple[Path, Path, dict[str, int]]:
    root, manifest = family_store
    store = tmp_path / "store"
    shutil.copytree(root, store)
    warehouse = tmp_path / "wh" / "mssp.duckdb"
    outcomes = load_store(store, warehouse, run_id="r1")
    assert {o.status for o in outcomes} == {"loaded"}, [o.message for o in outcomes if o.status != "loaded"]
    return store, warehouse, manifest


def test_every_family_loads_its_raw_tables_exactly(loaded) -> None:
    _, warehouse, manifest = loaded
    counts = table_counts(warehouse)
    assert {t: counts.get(t) for t in manifest} == manifest
    families = {r[0] for r in query(warehouse, "select distinct family from mssp_meta.file_loads")}
    assert families == set(FAMILIES)


def test_values_are_text_with_leading_zeros_and_file_date_from_the_stamp(loaded) -> None:
    _, warehouse, _ = loaded
    tins = query(warehouse, "select distinct master_id from raw_data.aalr2_assigned_beneficiaries_tin")
    assert tins and all(t[0].startswith("0") and len(t[0]) == 9 for t in tins)
    types = {r[0] for r in query(warehouse, """select data_type from information_schema.columns
        where table_name = 'aalr1_assigned_beneficiaries' and column_name not in ('file_date', 'file_row_number')""")}
    assert types == {"VARCHAR"}
    alr_dates = query(warehouse, "select distinct file_date from raw_data.aalr1_assigned_beneficiaries")
    assert alr_dates == [(None,)]  # D<YY>9999 is a placeholder, never the load date
    bnex = query(warehouse, "select distinct file_date is not null from raw_data.beneficiary_exclusions")
    assert bnex == [(True,)]


def test_unchanged_then_reissued_file(loaded) -> None:
    store, warehouse, manifest = loaded
    assert set(statuses(load_store(store, warehouse, run_id="r2"))) == {"unchanged"}
    (xref,) = sorted(store.rglob("*.ACO.MBIY25.*.txt"))
    lines = xref.read_bytes().splitlines(keepends=True)
    xref.write_bytes(b"".join(lines + lines[:1]))  # CMS re-issues the file with one more record
    outcomes = load_store(store, warehouse, run_id="r3")
    assert statuses(outcomes) == {"replaced": 1, "unchanged": len(outcomes) - 1}
    rel = str(xref.relative_to(store))
    assert query(warehouse, "select count(*) from raw_data.excluded_beneficiary_mbi_xref where file_path = ?",
                 [rel]) == [(len(lines) + 1,)]


def test_schema_drift_by_name_adds_columns_and_nulls_missing_ones(loaded) -> None:
    store, warehouse, _ = loaded
    name = "P.A1234.ACO.QALR.2026Q3.D269999.T0300000_1-2.csv"
    body = b"MASTER_ID,BENE_MBI_ID,NEW_COLUMN\r\n012345678,1AA0AA0AA00,x\r\n"  # reordered, one new, two missing
    container = store / "A1234/2026/131/P.A1234.ACO.QALR.2026Q3.D269999.T0300000"
    container.write_bytes(zip_bytes([(name, body)]))
    outcomes = [o for o in load_store(store, warehouse, run_id="r2") if o.status != "unchanged"]
    assert [(o.status, o.rows_loaded) for o in outcomes] == [("loaded", 1)]
    row = query(warehouse, """select master_id, bene_mbi_id, new_column, b_em_line_cnt_t
                              from raw_data.aalr2_assigned_beneficiaries_tin where file_name = ?""", [name])
    assert row == [("012345678", "1AA0AA0AA00", "x", None)]
    older = query(warehouse, "select count(*) from raw_data.aalr2_assigned_beneficiaries_tin where new_column is null")
    assert older[0][0] > 0


@pytest.mark.parametrize(("family", "relative", "content", "reason"), [
    ("alr", "A1234/2026/131/P.A1234.ACO.QALR.2026Q4.D269999.T0300000_1-1.csv", b"\x00\x01\x02\xff\xfe",
     "not a csv"),
    ("bnex", "A1234/2026/114/P.A1234.BNEX.Y26.D260115.T1420360.xml", b"<PFDCACOBeneData><Header>", "XML"),
    ("benchmark", "A1234/2026/118/P.A1234.ACO.QEXPU.2026Q4.D261112.T1100000.xlsx", b"not a workbook",
     "workbook"),
    ("participant_list", "A1234/2026/134/Participants List 2026.csv", b"", "header"),
])
def test_a_malformed_file_is_rejected_and_the_others_still_load(loaded, family, relative, content,
                                                                reason) -> None:
    store, warehouse, manifest = loaded
    target = store / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    outcomes = load_store(store, warehouse, run_id="r2")
    bad = [o for o in outcomes if o.file_path == relative]
    assert [(o.status, o.family) for o in bad] == [("rejected", family)]
    assert reason.lower() in (bad[0].message or "").lower() and "\n" not in bad[0].message
    assert statuses([o for o in outcomes if o.file_path != relative]) == {"unchanged": len(outcomes) - 1}
    counts = table_counts(warehouse)
    assert {t: counts.get(t) for t in manifest} == manifest


def test_csv_rows_with_wrong_field_counts_are_rejects_with_line_numbers(loaded) -> None:
    store, warehouse, _ = loaded
    name = "P.A1234.ACO.QALR.2026Q3.D269999.T0300001_1-4.csv"
    body = b'BENE_MBI_ID,MASTER_ID,NPI_USED,PCS_COUNT\n1AA0AA0AA00,012345678,0400000001,3\n' \
           b'1AA0AA0AA01,012345678,"04000,00002"\n1AA0AA0AA02,012345678,0400000003,4,extra\n'
    (store / "A1234/2026/131/P.A1234.ACO.QALR.2026Q3.D269999.T0300001").write_bytes(zip_bytes([(name, body)]))
    (outcome,) = [o for o in load_store(store, warehouse, run_id="r2") if o.status != "unchanged"]
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 1, 2)
    rejects = query(warehouse, "select file_row_number, reason from mssp_meta.rejected_records where file_path like ?",
                    [f"%{name}"])
    assert [r[0] for r in rejects] == [2, 3]
    assert all("1AA0AA0AA0" not in r[1] for r in rejects)
