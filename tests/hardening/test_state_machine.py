"""Model-based test of the ledger's promise: whatever happens to the store, no record is lost or doubled.

A Hypothesis state machine adds, removes, restores, renames, re-issues and duplicates ALR
deliveries (loose CSV files) in a real store, and loads them into a real DuckDB warehouse through
the same functions the flow calls (catalog, settle unchanged, ingest, duplicate recheck, purge),
incrementally or with a full refresh, sometimes crashing one file mid-load (its parser raises
after the first batch) and rerunning. After every load:

- the raw table holds exactly the records of the deliveries the warehouse should hold (the
  present files, plus files removed since the last full refresh unless their content moved to
  another present path), each distinct content (bytes and file date) once, whichever of its
  identical-bytes paths carries it;
- every raw row's ``load_id`` is its file's latest good ledger row (``loaded``/``replaced``), and
  that file's latest ledger row says its rows are loaded.

Default profile: CI-sized. ``--hypothesis-profile=long`` (tests/conftest.py) runs it long.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tasks import ingest
from tasks.backends import open_backend
from tasks.catalog import build_catalog
from tasks.store import Store

TABLE = "aalr1_assigned_beneficiaries"
ALR_DIR = "A1234/2024/ALR"
Content = tuple[int, int, dt.date]  # (content id, record count, file date)


def file_name(day: int, stamp: int) -> str:
    return f"{ALR_DIR}/P.A1234.ACO.QALR.2024Q1.D2404{day:02d}.T{stamp:07d}_1-1.csv"


def csv_bytes(cid: int, n: int) -> bytes:
    rows = ["BENE_MBI_ID,BENE_SEX_CD,FILE_NAME"] + [f"C{cid:04d}X{i:03d},1,synthetic" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def records(content: Content) -> list[tuple[str, dt.date]]:
    cid, n, day = content
    return [(f"C{cid:04d}X{i:03d}", day) for i in range(n)]


class _Crash(RuntimeError):
    pass


@contextmanager
def crashing(path: str | None):
    """While active, the parser of ``path`` raises after its first batch (a kill mid-file)."""
    original = ingest.parser_for

    def parser_for(fmt: str):
        parse = original(fmt)

        def wrapped(source, entry, report):
            for batch in parse(source, entry, report):
                yield batch
                if entry.file_path == path:
                    raise _Crash("killed mid-file")
        return wrapped

    ingest.parser_for = parser_for if path else original
    try:
        yield
    finally:
        ingest.parser_for = original


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="mssp-sm-"))
        self.root = self.tmp / "store"
        (self.root / ALR_DIR).mkdir(parents=True)
        self.warehouse = self.tmp / "w" / "mssp.duckdb"
        self.store: dict[str, Content] = {}
        self.trash: dict[str, Content] = {}
        self.held: dict[str, Content] = {}  # path -> content its rows stand for (until a full refresh)
        self.next_id = 0
        self.runs = 0
        self.checked = False

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- the store -------------------------------------------------------------------------
    def _write(self, path: str, content: Content) -> None:
        (self.root / path).write_bytes(csv_bytes(content[0], content[1]))
        self.store[path] = content

    def _fresh_stamp(self) -> int:
        self.next_id += 1
        return self.next_id

    @rule(day=st.integers(10, 12), n=st.integers(1, 4))
    def add(self, day: int, n: int) -> None:
        stamp = self._fresh_stamp()
        self._write(file_name(day, stamp), (stamp, n, dt.date(2024, 4, day)))

    @precondition(lambda self: self.store)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.store)))
        (self.root / path).unlink()
        self.trash[path] = self.store.pop(path)

    @precondition(lambda self: self.trash)
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.trash)))
        self._write(path, self.trash.pop(path))

    def _twin_name(self, path: str) -> str:
        day = int(path.split(".D2404")[1][:2])
        return file_name(day, self._fresh_stamp())  # same delivery date, new time stamp

    @precondition(lambda self: self.store)
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.store)))
        new = self._twin_name(path)
        (self.root / path).rename(self.root / new)
        self.store[new] = self.store.pop(path)

    @precondition(lambda self: self.store)
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.store)))
        new = self._twin_name(path)
        shutil.copy(self.root / path, self.root / new)
        self.store[new] = self.store[path]

    @precondition(lambda self: self.store)
    @rule(data=st.data(), n=st.integers(1, 4))
    def reissue(self, data: st.DataObject, n: int) -> None:
        path = data.draw(st.sampled_from(sorted(self.store)))
        self._write(path, (self._fresh_stamp(), n, self.store[path][2]))

    # --- loads -----------------------------------------------------------------------------
    def _load(self, full_refresh: bool, crash: str | None = None) -> None:
        self.runs += 1
        run_id = f"r{self.runs}"
        store = Store(str(self.root))
        backend = open_backend("DUCKDB", str(self.warehouse))
        tmp = self.tmp / "scratch"
        try:
            backend.prepare()
            entries = build_catalog(store, tmp).entries
            assert all(e.kind is not None for e in entries), [e.reject_reason for e in entries]
            present = frozenset(e.file_path for e in entries)
            args = {"run_id": run_id, "temp_dir": tmp, "full_refresh": full_refresh, "present_paths": present}
            with crashing(crash):
                _, remaining = ingest.settle_unchanged(entries, backend, run_id=run_id, full_refresh=full_refresh)
                outcomes = [ingest.ingest_entry(e, store, backend, **args) for e in remaining]
                outcomes = ingest.recheck_duplicates(outcomes, remaining, store, backend, **args)
            failed = {o.file_path: o.message for o in outcomes if o.status in ("failed", "rejected")}
            assert set(failed) <= {crash}, failed
            if full_refresh and not failed:
                backend.purge_missing(present, ("alr",), run_id)
        finally:
            backend.close()
        if not failed:
            self.held = dict(self.store) if full_refresh else {**self._moved_away(), **self.store}

    def _moved_away(self) -> dict[str, Content]:
        """Held paths that stay held after an incremental load: a path gone from the store keeps its
        rows unless its content is present under another path (a rename: the rows moved there, so a
        later re-issue of that path replaces them)."""
        present = set(self.store.values())
        return {p: c for p, c in self.held.items() if p in self.store or c not in present}

    @rule(full_refresh=st.booleans())
    def load(self, full_refresh: bool) -> None:
        self._load(full_refresh)
        self.checked = True

    @precondition(lambda self: self.store)
    @rule(data=st.data(), full_refresh=st.booleans())
    def crash_then_rerun(self, data: st.DataObject, full_refresh: bool) -> None:
        self._load(full_refresh, crash=data.draw(st.sampled_from(sorted(self.store))))
        self._check_load_ids()
        self._load(full_refresh=False)
        self.checked = True

    # --- invariants ------------------------------------------------------------------------
    def _query(self, sql: str) -> list[tuple]:
        if not self.warehouse.exists():
            return []
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            exists = con.execute("select count(*) from information_schema.tables where table_name = ?",
                                 [TABLE]).fetchone()[0]
            return con.execute(sql).fetchall() if exists or TABLE not in sql else []

    def _check_load_ids(self) -> None:
        wrong = self._query(f"""
            with latest_good as (
                select file_path, load_id from mssp_meta.file_loads where status in ('loaded', 'replaced')
                qualify row_number() over (partition by file_path order by load_seq desc) = 1),
            latest as (
                select file_path, status from mssp_meta.file_loads
                where status in ('loaded', 'replaced', 'unchanged', 'removed', 'duplicate')
                qualify row_number() over (partition by file_path order by load_seq desc) = 1)
            select distinct r.file_path, r.load_id, g.load_id, l.status
            from raw_data.{TABLE} r
            left join latest_good g using (file_path) left join latest l using (file_path)
            where g.load_id is distinct from r.load_id or l.status not in ('loaded', 'replaced', 'unchanged')""")
        assert wrong == [], wrong

    @invariant()
    def warehouse_equals_a_clean_load(self) -> None:
        if not self.checked:
            return
        self.checked = False
        self._check_load_ids()
        expected = Counter(r for content in set(self.held.values()) for r in records(content))
        actual = Counter(self._query(f"select bene_mbi_id, file_date from raw_data.{TABLE}"))
        lost, doubled = expected - actual, actual - expected
        assert not lost and not doubled, f"lost {sorted(lost)[:5]}, doubled or stale {sorted(doubled)[:5]}"


LONG = settings._current_profile == "long"  # noqa: SLF001 - the profile chosen on the command line
LedgerMachine.TestCase.settings = settings(
    settings.default,
    max_examples=settings.default.max_examples if LONG else 15,
    stateful_step_count=settings.default.stateful_step_count if LONG else 12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLedgerStateMachine = LedgerMachine.TestCase
