"""Load semantics on a real DuckDB file: incremental, re-issue, moved store, faults, full refresh."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from demo.synthetic.cclf import write_cclf_deliveries
from demo.synthetic.population import make_population
from tests.loading import load_store, query, statuses, table_counts


@pytest.fixture
def cclf_store(store_root: Path):
    manifest = write_cclf_deliveries(make_population("A1234", n=40, seed=3), store_root, [(2024, 1), (2024, 2)])
    return store_root, manifest


def test_first_load_matches_manifest_and_second_load_changes_nothing(cclf_store, warehouse: Path) -> None:
    store_root, manifest = cclf_store
    first = load_store(store_root, warehouse, run_id="r1")
    assert statuses(first) == {"loaded": manifest.members}
    assert table_counts(warehouse) == dict(manifest.rows)
    second = load_store(store_root, warehouse, run_id="r2")
    assert statuses(second) == {"unchanged": manifest.members}
    assert table_counts(warehouse) == {t: n for t, n in manifest.rows.items()}
    ledger = query(warehouse, "select run_id, count(*) from mssp_meta.file_loads group by 1 order by 1")
    assert ledger == [("r1", manifest.members), ("r2", manifest.members)]
    assert query(warehouse, "select count(*) from mssp_meta.file_loads where sha256 is null") == [(0,)]


def test_every_record_is_a_row_or_a_reject(cclf_store, warehouse: Path) -> None:
    store_root, _ = cclf_store
    for outcome in load_store(store_root, warehouse):
        rows = query(warehouse, "select rows_loaded, rows_rejected from mssp_meta.file_loads where file_path = ?",
                     [outcome.file_path])
        assert rows == [(outcome.rows_loaded, outcome.rows_rejected)]


def _rewrite_member(bundle: Path, member_prefix: str, transform) -> str:
    with zipfile.ZipFile(bundle) as zf:
        members = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename.startswith(member_prefix):
                data = transform(data)
                changed = info.filename
            zf.writestr(info, data)
    return changed


def test_reissued_file_replaces_only_its_own_rows(cclf_store, warehouse: Path) -> None:
    store_root, manifest = cclf_store
    load_store(store_root, warehouse, run_id="r1")
    bundle = store_root / manifest.files[0]
    member = _rewrite_member(bundle, "P.A1234.ACO.ZC5", lambda data: b"\n".join(data.split(b"\n")[:3]) + b"\n")
    file_path = f"{manifest.files[0]}/{member}"
    outcomes = load_store(store_root, warehouse, run_id="r2")
    assert statuses(outcomes) == {"replaced": 1, "unchanged": manifest.members - 1}
    assert query(warehouse, "select count(*) from raw_data.partb_physicians where file_path = ?", [file_path]) == [(3,)]
    assert query(warehouse, "select status, rows_loaded from mssp_meta.file_loads where file_path = ? "
                 "and run_id = 'r2'", [file_path]) == [("replaced", 3)]
    others = query(warehouse, "select count(*) from raw_data.partb_physicians where file_path <> ?", [file_path])
    assert others[0][0] > 0


def test_moving_the_store_reloads_nothing(cclf_store, warehouse: Path, tmp_path: Path) -> None:
    store_root, manifest = cclf_store
    load_store(store_root, warehouse)
    moved = tmp_path / "elsewhere" / "store"
    shutil.copytree(store_root, moved)
    assert statuses(load_store(moved, warehouse)) == {"unchanged": manifest.members}


def test_fault_between_parse_and_commit_leaves_nothing_and_a_rerun_is_exact(
        cclf_store, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.backends import duckdb as backend_module

    store_root, manifest = cclf_store
    real_commit = backend_module._DuckDBFileWriter.commit

    def failing_commit(self, outcome):
        if ".ZC1" in self.entry.file_name:
            raise OSError("injected fault before commit")
        return real_commit(self, outcome)

    monkeypatch.setattr(backend_module._DuckDBFileWriter, "commit", failing_commit)
    first = load_store(store_root, warehouse, run_id="r1")
    failed = [o for o in first if o.status == "failed"]
    assert len(failed) == len(manifest.files) and all("injected fault" in (o.message or "") for o in failed)
    assert table_counts(warehouse)["partb_physicians"] == manifest.rows["partb_physicians"]
    assert "parta_claims_header" not in table_counts(warehouse) or \
        table_counts(warehouse)["parta_claims_header"] == 0
    monkeypatch.setattr(backend_module._DuckDBFileWriter, "commit", real_commit)
    second = load_store(store_root, warehouse, run_id="r2")
    assert statuses(second) == {"loaded": len(manifest.files), "unchanged": manifest.members - len(manifest.files)}
    assert table_counts(warehouse)["parta_claims_header"] == manifest.rows["parta_claims_header"]


def test_full_refresh_reloads_every_file_without_doubling(cclf_store, warehouse: Path) -> None:
    store_root, manifest = cclf_store
    load_store(store_root, warehouse)
    again = load_store(store_root, warehouse, full_refresh=True)
    assert statuses(again) == {"replaced": manifest.members}
    assert table_counts(warehouse) == dict(manifest.rows)


def test_bad_records_are_rejects_with_line_numbers(store_root: Path, warehouse: Path) -> None:
    from demo.synthetic.cclf import RecordWriter
    from tests.zips import zip_bytes

    line = RecordWriter("CCLF9").line({"crnt_num": "1AA0AA0AA01", "prvs_num": "1AA0AA0AA02"})
    body = f"{line}\n{line}EXTRA\n\n{line}\n".encode()
    bundle = "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200.zip"
    (store_root / bundle).parent.mkdir(parents=True)
    (store_root / bundle).write_bytes(zip_bytes([("P.A1234.ACO.ZC9Y24.D240115.T1112209", body)]))
    (outcome,) = load_store(store_root, warehouse)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("loaded", 2, 2)
    assert query(warehouse, "select file_row_number, reason from mssp_meta.rejected_records order by 1") == [
        (2, "record longer than layout: 60 > 55 (line 2)"), (3, "blank line (line 3)")]
    assert "2 records rejected" in (outcome.message or "")
    assert "1AA0AA0AA0" not in (outcome.message or "")


def test_fingerprints_settle_unchanged_files_without_reading_them(cclf_store, warehouse: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks import ingest
    from tasks.backends import open_backend
    from tasks.catalog import build_catalog
    from tasks.store import Store

    store_root, manifest = cclf_store
    load_store(store_root, warehouse, run_id="r1")
    bundle = store_root / manifest.files[0]
    _rewrite_member(bundle, "P.A1234.ACO.ZC8", lambda data: data + data.split(b"\n")[0] + b"\n")
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        entries = build_catalog(Store(str(store_root)), warehouse.parent / "tmp").entries
        monkeypatch.setattr(ingest, "open_entry", lambda *a, **k: pytest.fail("a settled file was read"))
        settled, remaining = ingest.settle_unchanged(entries, backend, run_id="r2", full_refresh=False)
        assert [e.file_name[:15] for e in remaining] == ["P.A1234.ACO.ZC8"]  # only the re-issued member
        assert len(settled) == manifest.members - 1 and {o.status for o in settled} == {"unchanged"}
        assert ingest.settle_unchanged(entries, backend, run_id="r3", full_refresh=True)[0] == []
    finally:
        backend.close()
    ledger = query(warehouse, "select count(*), count(sha256) from mssp_meta.file_loads where run_id = 'r2'")
    assert ledger == [(manifest.members - 1, manifest.members - 1)]


def _run(store_root: Path, warehouse: Path, run_id: str, *, full_refresh: bool = False) -> list:
    """One run as the flow does it: settle by fingerprint, ingest the rest, purge on full refresh."""
    from tasks import ingest
    from tasks.backends import open_backend
    from tasks.catalog import build_catalog
    from tasks.families import FAMILIES
    from tasks.store import Store

    store = Store(str(store_root))
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        backend.prepare()
        entries = build_catalog(store, warehouse.parent / "tmp").entries
        present = frozenset(e.file_path for e in entries)
        settled, remaining = ingest.settle_unchanged(entries, backend, run_id=run_id, full_refresh=full_refresh)
        args = {"run_id": run_id, "temp_dir": warehouse.parent / "tmp", "full_refresh": full_refresh,
                "present_paths": present}
        loaded = [ingest.ingest_entry(e, store, backend, **args) for e in remaining]
        outcomes = settled + ingest.recheck_duplicates(loaded, remaining, store, backend, **args)
        if full_refresh:
            backend.purge_missing({e.file_path for e in entries}, tuple(FAMILIES), run_id)
        return outcomes
    finally:
        backend.close()


def test_a_bundle_purged_by_full_refresh_loads_again_when_restored(cclf_store, warehouse: Path,
                                                                   tmp_path: Path) -> None:
    store_root, manifest = cclf_store
    _run(store_root, warehouse, "r1")
    before = table_counts(warehouse)
    bundle = store_root / manifest.files[0]
    kept = tmp_path / "kept.zip"
    shutil.move(bundle, kept)
    _run(store_root, warehouse, "r2", full_refresh=True)
    removed = query(warehouse, "select file_path, rows_loaded, message from mssp_meta.file_loads "
                    "where run_id = 'r2' and status = 'removed'")
    assert removed and all(p.startswith(manifest.files[0] + "/") and n == 0 and "no longer in the file store" in m
                           for p, n, m in removed)
    assert query(warehouse, "select count(*) from mssp_meta.file_fingerprints where file_path like ?",
                 [manifest.files[0] + "/%"]) == [(0,)]
    assert table_counts(warehouse) != before
    _run(store_root, warehouse, "r3", full_refresh=True)  # a second purge finds nothing new to remove
    assert query(warehouse, "select count(*) from mssp_meta.file_loads where run_id = 'r3' and status = 'removed'"
                 ) == [(0,)]
    shutil.move(kept, bundle)
    restored = _run(store_root, warehouse, "r4")
    assert statuses(restored) == {"loaded": len(removed), "unchanged": manifest.members - len(removed)}
    assert table_counts(warehouse) == before == dict(manifest.rows)
    latest = query(warehouse, "select distinct status from mssp_meta.file_loads where run_id = 'r4' "
                   "and file_path like ?", [manifest.files[0] + "/%"])
    assert latest == [("loaded",)]


def _copy_bundle(store_root: Path, bundle: str, stamp: str = "T9999999") -> str:
    """The same bundle under another delivery stamp (every member's bytes identical)."""
    name = bundle.rsplit("/", 1)[1]
    parts = name.split(".")
    copy = bundle.rsplit("/", 1)[0] + "/" + ".".join(p if not p.startswith("T") else stamp for p in parts)
    shutil.copy(store_root / bundle, store_root / copy)
    return copy


def _rows_by_bundle(warehouse: Path, table: str) -> dict[str, int]:
    return dict(query(warehouse, f"select split_part(file_path, '.zip/', 1) || '.zip', count(*) from raw_data.{table} "
                      "group by 1"))


def test_a_bundle_delivered_twice_is_duplicate_and_rows_are_not_doubled(cclf_store, warehouse: Path) -> None:
    store_root, manifest = cclf_store
    _run(store_root, warehouse, "r1")
    copy = _copy_bundle(store_root, manifest.files[0])
    outcomes = _run(store_root, warehouse, "r2")
    duplicates = [o for o in outcomes if o.status == "duplicate"]
    assert duplicates and all(o.file_path.startswith(copy + "/") and o.rows_loaded == 0 for o in duplicates)
    assert all(o.message and manifest.files[0] in o.message for o in duplicates)
    assert table_counts(warehouse) == dict(manifest.rows)
    from tasks.summary import RunSummary
    summary = RunSummary(outcomes=outcomes)
    assert summary.ok  # a duplicate is not a failure
    assert f"DUPLICATE: {duplicates[0].file_path}: same bytes as {manifest.files[0]}" in summary.render_text()
    again = _run(store_root, warehouse, "r3")  # still duplicate, still not doubled
    assert statuses(again)["duplicate"] == len(duplicates)
    assert table_counts(warehouse) == dict(manifest.rows)


def test_a_renamed_bundle_moves_its_rows_without_doubling(cclf_store, warehouse: Path) -> None:
    store_root, manifest = cclf_store
    _run(store_root, warehouse, "r1")
    copy = _copy_bundle(store_root, manifest.files[0])
    (store_root / manifest.files[0]).unlink()
    outcomes = _run(store_root, warehouse, "r2")
    moved = [o for o in outcomes if o.file_path.startswith(copy + "/")]
    assert moved and {o.status for o in moved} == {"loaded"}
    assert table_counts(warehouse) == dict(manifest.rows)
    assert manifest.files[0] not in _rows_by_bundle(warehouse, "beneficiary_xref")
    removed = query(warehouse, "select count(*), min(message) from mssp_meta.file_loads where status = 'removed' "
                    "and run_id = 'r2'")
    with_records = [o for o in moved if o.rows_loaded + o.rows_rejected]  # empty members are never twins
    assert removed[0][0] == len(with_records) and copy in removed[0][1]
    assert statuses(_run(store_root, warehouse, "r3")) == {"unchanged": manifest.members}


def test_two_identical_new_files_in_one_run_load_once(cclf_store, warehouse: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tasks import ingest
    from tasks.backends import open_backend
    from tasks.catalog import build_catalog
    from tasks.store import Store

    store_root, manifest = cclf_store
    copy = _copy_bundle(store_root, manifest.files[0])
    store = Store(str(store_root))
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        backend.prepare()
        entries = build_catalog(store, warehouse.parent / "tmp").entries
        present = frozenset(e.file_path for e in entries)
        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(lambda e: ingest.ingest_entry(
                e, store, backend, run_id="r1", temp_dir=warehouse.parent / "tmp", present_paths=present), entries))
    finally:
        backend.close()
    twins: dict[str, list[str]] = {}
    for o in outcomes:
        bundle, member = o.file_path.split(".zip/")
        if bundle + ".zip" in (copy, manifest.files[0]) and (o.status == "duplicate" or o.rows_loaded):
            twins.setdefault(member, []).append(o.status)
    assert len(twins) > 5
    assert all(sorted(s) == ["duplicate", "loaded"] for s in twins.values()), twins
    assert table_counts(warehouse) == dict(manifest.rows)


def test_a_duplicate_whose_twin_changes_later_in_the_run_is_loaded_after_all(store_root: Path,
                                                                             warehouse: Path) -> None:
    from tasks import ingest
    from tasks.backends import open_backend
    from tasks.catalog import build_catalog
    from tasks.store import Store
    from tests.integration.test_backend_semantics import ALR_1, alr_rows

    (store_root / ALR_1).parent.mkdir(parents=True)
    (store_root / ALR_1).write_bytes(alr_rows(5, "1AA"))
    _run(store_root, warehouse, "r1")
    twin = ALR_1.replace("T0100000", "T0200000")  # the same delivery date, the same bytes
    (store_root / twin).write_bytes(alr_rows(5, "1AA"))
    (store_root / ALR_1).write_bytes(alr_rows(3, "9ZZ"))  # ... while the first file is re-issued
    store = Store(str(store_root))
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        entries = {e.file_path: e for e in build_catalog(store, warehouse.parent / "tmp").entries}
        args = {"run_id": "r2", "temp_dir": warehouse.parent / "tmp", "full_refresh": False,
                "present_paths": frozenset(entries)}
        first = ingest.ingest_entry(entries[twin], store, backend, **args)  # before the re-issue commits
        assert first.status == "duplicate" and ALR_1 in (first.message or "")
        second = ingest.ingest_entry(entries[ALR_1], store, backend, **args)
        assert second.status == "replaced"
        final = ingest.recheck_duplicates([first, second], list(entries.values()), store, backend, **args)
    finally:
        backend.close()
    assert [(o.file_path, o.status, o.rows_loaded) for o in final] == [(twin, "loaded", 5), (ALR_1, "replaced", 3)]
    assert dict(query(warehouse, "select file_path, count(*) from raw_data.aalr1_assigned_beneficiaries group by 1")
                ) == {twin: 5, ALR_1: 3}


def test_a_clock_set_back_never_resurrects_an_older_ledger_row(cclf_store, warehouse: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from tasks import ingest
    from tasks.backends import duckdb as backend_module
    from tasks.dbt import build_state

    store_root, manifest = cclf_store
    _run(store_root, warehouse, "r1")
    build_state.record_build(warehouse, "r1", "cclf", True, [])
    back = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)  # a DST fall-back, or NTP stepping the clock
    for module in (ingest, backend_module, build_state):
        monkeypatch.setattr(module, "utc_now", lambda: back)
    bundle = store_root / manifest.files[0]
    member = _rewrite_member(bundle, "P.A1234.ACO.ZC5", lambda data: b"\n".join(data.split(b"\n")[:3]) + b"\n")
    assert statuses(_run(store_root, warehouse, "r2")) == {"replaced": 1, "unchanged": manifest.members - 1}
    assert build_state.needs_build(warehouse, "cclf")  # the re-issue came after the build, whatever the clock says
    third = _run(store_root, warehouse, "r3")
    assert statuses(third) == {"unchanged": manifest.members}  # the replaced row is the latest, not r1's
    file_path = f"{manifest.files[0]}/{member}"
    assert query(warehouse, "select count(*) from raw_data.partb_physicians where file_path = ?", [file_path]) == [(3,)]
    seqs = query(warehouse, "select load_seq from mssp_meta.file_loads where file_path = ? order by load_seq",
                 [file_path])
    assert len(seqs) == 3 and seqs[0][0] < seqs[1][0] < seqs[2][0]
    build_state.record_build(warehouse, "r3", "cclf", True, [])
    assert not build_state.needs_build(warehouse, "cclf")


def test_an_existing_ledger_gains_load_seq_and_new_rows_outrank_old_ones(warehouse: Path) -> None:
    import datetime as dt

    import duckdb

    from tasks.backends import LedgerContext, open_backend
    from tasks.ledger import LEDGER_DDL
    from tasks.models import FileOutcome

    future = dt.datetime.now() + dt.timedelta(days=1)  # an old row written by a clock running ahead
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        for statement in LEDGER_DDL:
            con.execute(statement)
        con.execute("insert into mssp_meta.file_loads values ('l0', 'r0', 'a.csv', 'alr', 't', 'old', 1, null, 1, "
                    "null, 0, 'loaded', null, ?, ?)", [future, future])
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        backend.prepare()
        backend.record(None, FileOutcome("a.csv", "alr", "t", "unchanged", sha256="new"),
                       LedgerContext("r1", "l1", dt.datetime.now(dt.UTC)))
        assert backend.prior_load("a.csv").sha256 == "new"
    finally:
        backend.close()
    assert query(warehouse, "select load_id, load_seq from mssp_meta.file_loads order by load_id") == [
        ("l0", None), ("l1", 1)]


def test_a_record_count_that_does_not_add_up_is_a_load_error_and_writes_no_rows(
        cclf_store, warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser that loses a record (rows + rejects != records seen) fails the file with LoadError:
    nothing of it commits, the ledger row says why, and the other files load."""
    import dataclasses

    from tasks import ingest

    real = ingest.parser_for

    def lossy(fmt: str):
        parse = real(fmt)

        def parser(source, entry, report):
            for batch in parse(source, entry, report):
                if "ZC1" in entry.file_name and batch.rows.num_rows:
                    batch = dataclasses.replace(batch, rows=batch.rows.slice(1))
                yield batch
        return parser

    monkeypatch.setattr(ingest, "parser_for", lossy)
    store_root, manifest = cclf_store
    outcomes = load_store(store_root, warehouse)
    failed = [o for o in outcomes if o.status == "failed"]
    assert failed and all("ZC1" in o.file_path for o in failed)
    assert all((o.message or "").startswith("LoadError: record count check failed:") for o in failed)
    assert statuses(outcomes)["loaded"] == manifest.members - len(failed)
    paths = [o.file_path for o in failed]
    assert query(warehouse, "select count(*) from raw_data.parta_claims_header where file_path in "
                 f"({', '.join('?' * len(paths))})", paths) == [(0,)]
