"""One load-semantics suite for every output backend (contract §4, mssp_files.md §6).

Each backend runs against the most real stand-in available here (see docs/backends.md):
DuckDB and Parquet for real (local disk and a moto S3 server), Snowflake against a fakesnow
server, BigQuery/Databricks/Redshift/MotherDuck through recording fakes that execute the
statements the backend sends on DuckDB, Fabric on a local Delta table when ``deltalake`` is
installed. The suite is driven through ``tasks.ingest.ingest_entry`` exactly as the flows do.

Store: one CCLF9 bundle (fixed width, one bad record -> a reject) and two ALR CSV files of one
table (one carries a ``FILE_NAME`` column -> ``src_file_name``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tasks.catalog import build_catalog
from tasks.ingest import ingest_entry
from tasks.models import FileOutcome
from tasks.store import Store
from tests.integration.backend_fakes import TARGETS, Target, open_target

ALR_DIR = "A1234/2024/ALR"
ALR_1 = f"{ALR_DIR}/P.A1234.ACO.QALR.2024Q1.D240415.T0100000_1-1.csv"
ALR_2 = f"{ALR_DIR}/P.A1234.ACO.QALR.2024Q2.D240715.T0100000_1-1.csv"
CCLF_BUNDLE = "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200.zip"
CCLF9 = "P.A1234.ACO.ZC9Y24.D240115.T1112209"
XREF = "beneficiary_xref"
AALR1 = "aalr1_assigned_beneficiaries"


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode()


def alr_rows(n: int, prefix: str, extra: str | None = None) -> bytes:
    header = ["BENE_MBI_ID", "BENE_SEX_CD", "FILE_NAME"] + ([extra.upper()] if extra else [])
    body = [[f"{prefix}{i:04d}", "1", "synthetic"] + (["x"] if extra else []) for i in range(n)]
    return _csv([header] + body)


def write_store(root: Path, alr1: bytes | None = None, alr2: bytes | None = None) -> None:
    from demo.synthetic.cclf import RecordWriter
    from tests.zips import zip_bytes

    (root / ALR_DIR).mkdir(parents=True, exist_ok=True)
    (root / ALR_1).write_bytes(alr1 or alr_rows(5, "1AA"))
    (root / ALR_2).write_bytes(alr2 or alr_rows(4, "2BB"))
    writer = RecordWriter("CCLF9")
    lines = [writer.line({"crnt_num": f"3CC0CC0CC{i:02d}", "prvs_num": f"4DD0DD0DD{i:02d}"})
             for i in range(3)]
    body = "\n".join(lines[:2] + [lines[2] + "EXTRA"]).encode() + b"\n"
    bundle = root / CCLF_BUNDLE
    if not bundle.exists():
        bundle.parent.mkdir(parents=True, exist_ok=True)
        bundle.write_bytes(zip_bytes([(CCLF9, body)]))


def load(store_root: Path, target: Target, run_id: str, tmp: Path, *, present: bool = False
         ) -> dict[str, FileOutcome]:
    """Load every file of the store; ``present``: with the store's paths, as the flows pass them
    (the duplicate check)."""
    store = Store(str(store_root))
    backend = target.open()
    try:
        backend.prepare()
        catalog = build_catalog(store, tmp)
        paths = {e.file_path for e in catalog.entries} if present else None
        return {e.file_path: ingest_entry(e, store, backend, run_id=run_id, temp_dir=tmp, present_paths=paths)
                for e in catalog.entries}
    finally:
        backend.close()


def by_file(target: Target, table: str) -> Counter[str]:
    return Counter(r["file_path"] for r in target.rows(table))


@pytest.fixture(params=sorted(TARGETS))
def target(request: pytest.FixtureRequest, tmp_path: Path):
    with open_target(request.param, tmp_path) as t:
        yield t


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "scratch").mkdir()
    return tmp_path / "scratch"


def test_first_load_then_unchanged_rerun(target: Target, store_root: Path, tmp: Path) -> None:
    write_store(store_root)
    first = load(store_root, target, "r1", tmp)
    assert Counter(o.status for o in first.values()) == {"loaded": 3}, [o.message for o in first.values()]
    assert by_file(target, AALR1) == {ALR_1: 5, ALR_2: 4}
    cclf_path = f"{CCLF_BUNDLE}/{CCLF9}"
    assert by_file(target, XREF) == {cclf_path: 2}
    assert (first[cclf_path].rows_loaded, first[cclf_path].rows_rejected) == (2, 1)
    rejects = target.rejects()
    assert [(r["file_path"], r["file_row_number"]) for r in rejects] == [(cclf_path, 3)]
    row = next(r for r in target.rows(AALR1) if r["file_path"] == ALR_1)
    assert row["src_file_name"] == "synthetic" and row["file_name"] == ALR_1.rsplit("/", 1)[1]
    assert row["file_row_number"] in range(1, 6) and row["load_id"]
    assert str(row["file_date"]) == "2024-04-15"
    ledger = target.ledger()
    assert sorted((r["file_path"], r["status"], r["rows_loaded"]) for r in ledger) == sorted(
        [(ALR_1, "loaded", 5), (ALR_2, "loaded", 4), (cclf_path, "loaded", 2)])
    assert all(r["sha256"] and r["run_id"] == "r1" for r in ledger)

    second = load(store_root, target, "r2", tmp)
    assert Counter(o.status for o in second.values()) == {"unchanged": 3}
    assert by_file(target, AALR1) == {ALR_1: 5, ALR_2: 4}
    assert by_file(target, XREF) == {cclf_path: 2}
    assert len(target.rejects()) == 1
    assert Counter(r["run_id"] for r in target.ledger()) == {"r1": 3, "r2": 3}


def test_reissued_file_replaces_only_its_own_rows(target: Target, store_root: Path, tmp: Path) -> None:
    write_store(store_root)
    load(store_root, target, "r1", tmp)
    (store_root / ALR_1).write_bytes(alr_rows(2, "9ZZ"))
    second = load(store_root, target, "r2", tmp)
    assert second[ALR_1].status == "replaced"
    assert Counter(o.status for o in second.values()) == {"replaced": 1, "unchanged": 2}
    assert by_file(target, AALR1) == {ALR_1: 2, ALR_2: 4}
    ids = sorted(r["bene_mbi_id"] for r in target.rows(AALR1) if r["file_path"] == ALR_1)
    assert ids == ["9ZZ0000", "9ZZ0001"]
    assert {r["load_id"] for r in target.rows(AALR1) if r["file_path"] == ALR_1} == {
        r["load_id"] for r in target.ledger() if r["file_path"] == ALR_1 and r["status"] == "replaced"}


def test_new_column_joins_the_table_by_name(target: Target, store_root: Path, tmp: Path,
                                            request: pytest.FixtureRequest) -> None:
    write_store(store_root)
    load(store_root, target, "r1", tmp)
    (store_root / ALR_2).write_bytes(alr_rows(3, "5EE", extra="new_flag"))
    second = load(store_root, target, "r2", tmp)
    assert second[ALR_2].status == "replaced", second[ALR_2].message
    rows = target.rows(AALR1)
    assert Counter(r["file_path"] for r in rows) == {ALR_1: 5, ALR_2: 3}
    assert {r["new_flag"] for r in rows if r["file_path"] == ALR_2} == {"x"}
    assert {r.get("new_flag") for r in rows if r["file_path"] == ALR_1} == {None}
    assert {r["bene_sex_cd"] for r in rows} == {"1"}  # by name, not by position


def test_failure_mid_file_leaves_nothing_and_rerun_is_exact(
        target: Target, store_root: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_store(store_root)
    load(store_root, target, "r1", tmp)
    (store_root / ALR_1).write_bytes(alr_rows(7, "7GG"))
    (store_root / ALR_2).write_bytes(alr_rows(6, "8HH"))

    import tasks.ingest as ingest

    real = ingest.parser_for

    def failing(fmt: str):
        parse = real(fmt)
        if fmt != "csv":
            return parse

        def parse_then_fail(source, entry, report):
            for batch in parse(source, entry, report, batch_rows=2):
                yield batch  # the first batch reaches the backend, then the file fails
                if entry.file_path == ALR_1:
                    raise OSError("injected fault mid-file")
        return parse_then_fail

    monkeypatch.setattr(ingest, "parser_for", failing)
    second = load(store_root, target, "r2", tmp)
    assert second[ALR_1].status == "failed" and "injected fault" in (second[ALR_1].message or "")
    assert second[ALR_2].status == "replaced"
    assert by_file(target, AALR1) == {ALR_1: 5, ALR_2: 6}  # ALR_1 still has its old rows only
    assert {r["bene_mbi_id"][:3] for r in target.rows(AALR1) if r["file_path"] == ALR_1} == {"1AA"}
    failed = [r for r in target.ledger() if r["file_path"] == ALR_1 and r["run_id"] == "r2"]
    assert [(r["status"], r["rows_loaded"]) for r in failed] == [("failed", 0)], target.ledger()

    monkeypatch.setattr(ingest, "parser_for", real)
    third = load(store_root, target, "r3", tmp)
    assert Counter(o.status for o in third.values()) == {"replaced": 1, "unchanged": 2}
    assert by_file(target, AALR1) == {ALR_1: 7, ALR_2: 6}
    assert {r["bene_mbi_id"][:3] for r in target.rows(AALR1) if r["file_path"] == ALR_1} == {"7GG"}


# --- backend-specific checks ------------------------------------------------------------------

def test_parquet_crash_before_the_ledger_part_leaves_an_invisible_orphan_that_a_rerun_removes(
        store_root: Path, tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.backends.parquet import ParquetBackend

    with open_target("parquet_local", tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp)
        (store_root / ALR_1).write_bytes(alr_rows(2, "6FF"))
        real = ParquetBackend._commit_ledger

        def crash(self, entry, outcome, ctx, spool_dir):
            if outcome.file_path == ALR_1 and outcome.status == "replaced":
                raise OSError("injected crash before the ledger part")
            return real(self, entry, outcome, ctx, spool_dir)

        monkeypatch.setattr(ParquetBackend, "_commit_ledger", crash)
        second = load(store_root, target, "r2", tmp)
        assert second[ALR_1].status == "failed"
        parts = sorted((tmp_path / "parquet" / "raw_data" / AALR1).glob("*.parquet"))
        assert len(parts) == 3  # the orphan data part was written ...
        assert by_file(target, AALR1) == {ALR_1: 5, ALR_2: 4}  # ... but is invisible
        monkeypatch.setattr(ParquetBackend, "_commit_ledger", real)
        third = load(store_root, target, "r3", tmp)
        assert third[ALR_1].status == "replaced"
        assert by_file(target, AALR1) == {ALR_1: 2, ALR_2: 4}
        assert len(sorted((tmp_path / "parquet" / "raw_data" / AALR1).glob("*.parquet"))) == 2


def test_parquet_reissue_touches_only_its_own_part(store_root: Path, tmp: Path, tmp_path: Path) -> None:
    with open_target("parquet_local", tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp)
        table_dir = tmp_path / "parquet" / "raw_data" / AALR1
        before = {p.name: p.stat().st_mtime_ns for p in table_dir.glob("*.parquet")}
        (store_root / ALR_1).write_bytes(alr_rows(2, "9ZZ"))
        load(store_root, target, "r2", tmp)
        after = {p.name: p.stat().st_mtime_ns for p in table_dir.glob("*.parquet")}
        kept = set(before) & set(after)
        assert len(kept) == 1 and before[next(iter(kept))] == after[next(iter(kept))]
        assert len(after) == 2
        ledger_parts = list((tmp_path / "parquet" / "mssp_meta" / "file_loads").glob("*.parquet"))
        assert len(ledger_parts) == 6  # one ledger part per file per run


def _statements(target: Target, store_root: Path, tmp: Path, run_id: str) -> list[tuple[str, Any]]:
    from tests.integration import backend_fakes

    seen: list[Any] = []
    real = backend_fakes.RecordingConnection.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(self)

    backend_fakes.RecordingConnection.__init__ = spy  # type: ignore[method-assign]
    try:
        load(store_root, target, run_id, tmp)
    finally:
        backend_fakes.RecordingConnection.__init__ = real  # type: ignore[method-assign]
    return [st for conn in seen for st in conn.statements]


def test_redshift_sql_is_copy_then_insert_by_name_in_one_transaction(store_root: Path, tmp: Path,
                                                                      tmp_path: Path) -> None:
    import re

    with open_target("redshift_on_duckdb", tmp_path) as target:
        write_store(store_root)
        first = [sql for sql, _ in _statements(target, store_root, tmp, "r1")]
        create = next(s for s in first if s.startswith(f"create table if not exists raw_data.{AALR1}"))
        assert "bene_mbi_id VARCHAR(65535)" in create and "file_row_number BIGINT" in create
        assert "file_date DATE" in create and "VARCHAR(256)" not in create
        (store_root / ALR_1).write_bytes(alr_rows(2, "9ZZ"))
        second = [sql for sql, _ in _statements(target, store_root, tmp, "r2")]
        begin = second.index("begin")
        block = second[begin:second.index("commit", begin) + 1]
        shape = [re.sub(r"mssp_stage_\w+", "T", re.sub(r"'s3://[^']+'", "'S3'", s)) for s in block]
        names = "bene_mbi_id, bene_sex_cd, src_file_name, file_path, file_name, directory_name, " \
                "file_date, file_row_number, load_id"
        assert shape[:7] == [
            "begin",
            f"delete from raw_data.{AALR1} where file_path = %s",
            "delete from mssp_meta.rejected_records where file_path = %s",
            "create temp table T (bene_mbi_id VARCHAR(65535), bene_sex_cd VARCHAR(65535), "
            "src_file_name VARCHAR(65535), file_path VARCHAR(65535), file_name VARCHAR(65535), "
            "directory_name VARCHAR(65535), file_date DATE, file_row_number BIGINT, load_id VARCHAR(65535))",
            "copy T from 'S3' iam_role 'arn:aws:iam::123456789012:role/load' format as parquet",
            f"insert into raw_data.{AALR1} ({names}) select {names} from T",
            "drop table T",
        ]
        assert shape[7].startswith("insert into mssp_meta.file_loads (load_id, run_id, file_path")
        assert shape[8] == "commit"


def test_databricks_sql_is_one_merge_per_table_and_the_ledger_last(store_root: Path, tmp: Path,
                                                                    tmp_path: Path) -> None:
    with open_target("databricks_on_duckdb", tmp_path) as target:
        write_store(store_root)
        _statements(target, store_root, tmp, "r1")
        (store_root / ALR_1).write_bytes(alr_rows(2, "9ZZ"))
        second = _statements(target, store_root, tmp, "r2")
        sqls = [sql for sql, _ in second]
        assert not {"begin", "commit", "rollback"} & set(sqls)
        put = max(i for i, s in enumerate(sqls) if s.startswith("put '"))
        assert sqls[put].endswith("-0.parquet' overwrite") and "/Volumes/main/mssp/staging/mssp_stage/" in sqls[put]
        merge_i = next(i for i, s in enumerate(sqls) if s.startswith("merge into"))
        merge, params = second[merge_i]
        assert merge.startswith(f"merge into `raw_data`.`{AALR1}` as t using (select * from parquet.`/Volumes/")
        assert "on 1 = 0 when not matched then insert (`bene_mbi_id`, " in merge
        assert merge.endswith("when not matched by source and t.file_path = ? then delete")
        assert params == [ALR_1]
        ledger_i = next(i for i, s in enumerate(sqls)
                        if i > merge_i and s.startswith("insert into `mssp_meta`.`file_loads`"))
        assert put < merge_i < ledger_i
        assert second[ledger_i][1][2] == ALR_1 and "replaced" in second[ledger_i][1]
        assert sqls[ledger_i + 1].startswith("remove '/Volumes/")


class _Recorder:
    """Stands in for ``google.cloud.bigquery``'s config classes: keeps the kwargs it was given."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)


def _snowflake_block() -> Any:
    """A ``SnowflakeConnector`` block as the resolver reads it (password auth, synthetic values)."""
    from pydantic import SecretStr

    return _Recorder(database="MSSP", warehouse="WH", schema_="PUBLIC", credentials=_Recorder(
        account="acct", user="loader", role="LOADER", password=SecretStr("pw"), authenticator="snowflake"))


class FakeBigQuery:
    """The parts of ``google.cloud.bigquery`` the backend uses, as recorders."""

    QueryJobConfig = _Recorder
    LoadJobConfig = _Recorder

    class SourceFormat:
        PARQUET = "PARQUET"

    class WriteDisposition:
        WRITE_TRUNCATE = "WRITE_TRUNCATE"

    @staticmethod
    def ScalarQueryParameter(name: str, type_: str, value: Any) -> tuple:  # noqa: N802
        return (name, type_, value)


class FakeBigQueryClient:
    """Records ``query`` and ``load_table_from_file`` calls; answers the few SELECTs it needs."""

    project = "proj"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any, Any]] = []
        self.loaded_columns: list[list[str]] = []

    class _Job:
        def __init__(self, rows: list[tuple] | None = None) -> None:
            self.rows = rows or []

        def result(self) -> list[tuple]:
            return self.rows

    def query(self, sql: str, job_config: Any = None) -> _Job:
        self.calls.append(("query", sql, job_config))
        return self._Job()

    def load_table_from_file(self, fh: Any, destination: str, job_config: Any = None) -> _Job:
        import pyarrow.parquet as pq

        self.loaded_columns.append(pq.read_table(fh).column_names)
        self.calls.append(("load", destination, job_config))
        return self._Job()


def test_bigquery_load_jobs_and_transaction_script(store_root: Path, tmp: Path) -> None:
    from tasks.backends.bigquery import BigQueryBackend
    from tasks.backends.staging import Spool  # noqa: F401 - the backend spools through it

    client = FakeBigQueryClient()
    backend = BigQueryBackend(client, "proj", bq=FakeBigQuery)
    write_store(store_root)
    store = Store(str(store_root))
    backend.prepare()
    entries = {e.file_path: e for e in build_catalog(store, tmp).entries}
    from tasks.backends import PriorLoad

    class Reissue:  # the backend as it looks when ALR_1 was loaded before
        def __getattr__(self, name: str) -> Any:
            return getattr(backend, name)

        def prior_load(self, file_path: str) -> PriorLoad | None:
            return PriorLoad("0" * 64, (AALR1,), "loaded")

    outcome = ingest_entry(entries[ALR_1], store, Reissue(), run_id="r1", temp_dir=tmp)  # type: ignore[arg-type]
    assert outcome.status == "replaced", outcome.message
    loads = [c for c in client.calls if c[0] == "load"]
    assert len(loads) == 1
    _, destination, config = loads[0]
    assert destination.startswith("proj.mssp_meta._stage_") and destination.endswith("_0")
    assert (config.source_format, config.write_disposition) == ("PARQUET", "WRITE_TRUNCATE")
    assert client.loaded_columns[0][:3] == ["bene_mbi_id", "bene_sex_cd", "src_file_name"]
    script_sql, script_config = next((sql, cfg) for kind, sql, cfg in client.calls
                                     if kind == "query" and sql.startswith("begin transaction;"))
    lines = script_sql.splitlines()
    stage = destination.rsplit(".", 1)[1]
    names = "bene_mbi_id, bene_sex_cd, src_file_name, file_path, file_name, directory_name, file_date, " \
            "file_row_number, load_id"
    assert lines[:4] == [
        "begin transaction;",
        f"delete from `proj.raw_data.{AALR1}` where file_path = @file_path;",
        "delete from `proj.mssp_meta.rejected_records` where file_path = @file_path;",
        f"insert into `proj.raw_data.{AALR1}` ({names}) select {names} from `proj.mssp_meta.{stage}`;",
    ]
    assert lines[4].startswith("insert into `proj.mssp_meta.file_loads` (load_id, run_id, file_path")
    assert lines[5] == "commit transaction;"
    params = {name: (type_, value) for name, type_, value in script_config.query_parameters}
    assert params["file_path"] == ("STRING", ALR_1) and params["status"] == ("STRING", "replaced")
    assert params["finished_at"][0] == "DATETIME" and params["rows_loaded"] == ("INT64", 5)
    after = client.calls[client.calls.index(("query", script_sql, script_config)) + 1]
    assert after[1] == f"drop table if exists `proj.mssp_meta.{stage}`"
    ddl = [sql for kind, sql, _ in client.calls
           if kind == "query" and sql.startswith("create table if not exists `proj.raw_data")]
    assert ddl and "bene_mbi_id STRING" in ddl[0] and "file_date DATE" in ddl[0]


def test_snowflake_endpoint_overrides_and_unquoted_identifiers(monkeypatch: pytest.MonkeyPatch) -> None:
    from blocks.warehouse import resolve_connection
    from tasks.backends.snowflake import SnowflakeDialect
    from tasks.errors import ConfigError
    from tasks.settings import load_settings

    settings = load_settings(output_type="SNOWFLAKE", warehouse_block="sf")
    blocks = {"sf": _snowflake_block()}
    monkeypatch.setenv("MSSP_SNOWFLAKE_HOST", "127.0.0.1")
    monkeypatch.setenv("MSSP_SNOWFLAKE_PORT", "8123")
    monkeypatch.setenv("MSSP_SNOWFLAKE_PROTOCOL", "http")
    connection = resolve_connection(settings, blocks.__getitem__)
    assert connection.endpoint_overrides() == {"host": "127.0.0.1", "port": 8123, "protocol": "http"}
    kwargs = connection.connect_kwargs()  # what snowflake.connector.connect gets
    assert (kwargs["host"], kwargs["port"], kwargs["password"]) == ("127.0.0.1", 8123, "pw")
    assert (kwargs["autocommit"], kwargs["database"], kwargs["schema"]) == (False, "MSSP", "PUBLIC")
    assert "pw" not in repr(connection) and "pw" not in str(connection.model_dump())  # a SecretStr until connect
    monkeypatch.setenv("MSSP_SNOWFLAKE_PORT", "eighty")
    with pytest.raises(ConfigError, match="MSSP_SNOWFLAKE_PORT"):
        resolve_connection(settings, blocks.__getitem__)
    for name in ("MSSP_SNOWFLAKE_HOST", "MSSP_SNOWFLAKE_PORT", "MSSP_SNOWFLAKE_PROTOCOL"):
        monkeypatch.delenv(name)
    assert resolve_connection(settings, blocks.__getitem__).endpoint_overrides() == {}
    d = SnowflakeDialect()
    assert d.table("raw_data", "partb_physicians") == "raw_data.partb_physicians"
    assert d.create_table("raw_data", "t", [("c_1st", "VARCHAR"), ("file_row_number", "BIGINT")]) == \
        "create table if not exists raw_data.t (c_1st VARCHAR, file_row_number NUMBER(38,0))"


def test_motherduck_reads_the_token_from_a_secret_block_and_keeps_it_out_of_the_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import prefect.blocks.system

    import tasks.backends.duckdb as duck
    from blocks.warehouse import resolve_connection
    from tasks.backends import open_backend
    from tasks.errors import ConfigError
    from tasks.settings import load_settings

    class FakeSecret:
        @staticmethod
        def load(name: str) -> Any:
            assert name == "md-token"
            return _Recorder(get=lambda: {"token": "synthetic-token"})

    opened: list[str] = []
    monkeypatch.setattr(prefect.blocks.system, "Secret", FakeSecret)
    monkeypatch.setattr(duck.duckdb, "connect", lambda path, config=None: opened.append(path) or _Recorder())
    monkeypatch.delenv("motherduck_token", raising=False)
    with pytest.raises(ConfigError, match="MSSP_WAREHOUSE_BLOCK"):  # no block, no token in the environment
        open_backend("MOTHERDUCK", "mssp")
    settings = load_settings(output_type="MOTHERDUCK", output_location="mssp", warehouse_block="md-token")
    connection = resolve_connection(settings)  # the block type of MOTHERDUCK: a Secret
    backend = open_backend("MOTHERDUCK", connection=connection)
    assert opened == ["md:mssp"] and backend.location == "md:mssp"
    assert __import__("os").environ["motherduck_token"] == "synthetic-token"
    with pytest.raises(ConfigError, match="MSSP_OUTPUT_LOCATION"):
        resolve_connection(settings.model_copy(update={"output_location": "md:mssp?motherduck_token=abc"}))
    with pytest.raises(ConfigError, match="MSSP_WAREHOUSE_BLOCK"):  # a connection of another output type
        open_backend("DUCKDB", connection=connection)


def test_warehouse_outputs_without_a_block_are_a_config_error() -> None:
    from tasks.backends import open_backend
    from tasks.errors import ConfigError

    for output_type in ("SNOWFLAKE", "BIGQUERY", "DATABRICKS", "REDSHIFT"):
        with pytest.raises(ConfigError, match="MSSP_WAREHOUSE_BLOCK"):
            open_backend(output_type, "x")
    with pytest.raises(ConfigError, match="MSSP_OUTPUT_TYPE"):
        open_backend("ORACLE", "x")


def test_dbt_profiles_per_output_type(tmp_path: Path) -> None:
    from blocks.warehouse import resolve_connection
    from tasks.dbt.profiles import dbt_profile
    from tasks.errors import ConfigError
    from tasks.settings import load_settings

    blocks = {
        "sf": _snowflake_block(),
        "dbx": _Recorder(get=lambda: {"server_hostname": "h", "http_path": "/sql/1", "access_token": "t",
                                      "catalog": "main", "volume": "/Volumes/main/mssp/v"}),
        "rs": _Recorder(get=lambda: '{"host": "rs", "user": "u", "password": "p", "database": "mssp"}'),
    }
    load = blocks.__getitem__
    parquet = dbt_profile(load_settings(output_type="PARQUET", output_location=str(tmp_path / "pq")))
    assert parquet["type"] == "duckdb" and parquet["path"] == str(tmp_path / "pq" / "dbt.duckdb")
    assert parquet["plugins"] == [{"module": "tasks.dbt.profiles", "config": {"parquet_root": str(tmp_path / "pq")}}]
    settings = load_settings(output_type="SNOWFLAKE", warehouse_block="sf")
    endpoint = {"host": "127.0.0.1", "port": 8123, "protocol": "http"}
    sf = dbt_profile(settings, resolve_connection(settings, load, snowflake_endpoint=endpoint))
    assert sf == {"type": "snowflake", "account": "acct", "user": "loader", "database": "MSSP", "warehouse": "WH",
                  "schema": "main", "threads": 2, "role": "LOADER", "password": "pw",
                  "host": "127.0.0.1", "port": 8123, "protocol": "http"}
    settings = load_settings(output_type="DATABRICKS", warehouse_block="dbx")
    dbx = dbt_profile(settings, resolve_connection(settings, load))
    assert (dbx["type"], dbx["host"], dbx["catalog"], dbx["token"]) == ("databricks", "h", "main", "t")
    settings = load_settings(output_type="REDSHIFT", warehouse_block="rs")
    rs = dbt_profile(settings, resolve_connection(settings, load))
    assert (rs["type"], rs["dbname"], rs["port"]) == ("redshift", "mssp", 5439)
    with pytest.raises(ConfigError, match="MSSP_WAREHOUSE_BLOCK"):  # not resolved: the flow must pass it
        dbt_profile(settings)


def test_dbt_duckdb_plugin_shows_only_committed_parquet_parts(store_root: Path, tmp: Path, tmp_path: Path) -> None:
    from tasks.dbt.profiles import Plugin

    with open_target("parquet_local", tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp)
        root = str(tmp_path / "parquet")
        import pyarrow as pa
        import pyarrow.parquet as pq

        orphan_id = "00000000-0000-0000-0000-000000000000"  # a part whose ledger row never came
        part = pq.read_table(next((tmp_path / "parquet" / "raw_data" / AALR1).glob("*.parquet")))
        part = part.set_column(part.schema.get_field_index("load_id"), "load_id",
                               pa.array([orphan_id] * part.num_rows))
        pq.write_table(part, tmp_path / "parquet" / "raw_data" / AALR1 / f"{orphan_id}.parquet")
        plugin = Plugin("dbt_profiles", {"parquet_root": root})
        import duckdb

        with duckdb.connect(str(tmp_path / "dbt.duckdb")) as con:
            plugin.configure_connection(con)
            count = con.execute(f"select count(*) from raw_data.{AALR1}").fetchone()[0]
            ledger = con.execute("select count(*) from mssp_meta.file_loads").fetchone()[0]
        assert (count, ledger) == (9, 3)


PURGE_RECORDS_REMOVED = ("duckdb", "parquet_local", "parquet_s3", "redshift_on_duckdb", "databricks_on_duckdb",
                         "snowflake", "fabric_local_delta")
"""Backends whose full-refresh purge writes ``removed`` ledger rows (the others only drop rows)."""


def purge(store_root: Path, target: Target, run_id: str, tmp: Path) -> int:
    store = Store(str(store_root))
    backend = target.open()
    try:
        backend.prepare()
        present = {e.file_path for e in build_catalog(store, tmp).entries}
        return backend.purge_missing(present, ("alr", "cclf"), run_id)
    finally:
        backend.close()


@pytest.mark.parametrize("name", PURGE_RECORDS_REMOVED)
def test_a_file_purged_by_full_refresh_loads_again_when_restored(name: str, store_root: Path, tmp: Path,
                                                                   tmp_path: Path) -> None:
    with open_target(name, tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp)
        kept = (store_root / ALR_1).read_bytes()
        (store_root / ALR_1).unlink()
        assert purge(store_root, target, "r2", tmp) == 1
        assert by_file(target, AALR1) == {ALR_2: 4}
        removed = [r for r in target.ledger() if r["status"] == "removed"]
        assert [(r["file_path"], r["run_id"], r["rows_loaded"]) for r in removed] == [(ALR_1, "r2", 0)]
        assert "no longer in the file store" in removed[0]["message"]
        assert purge(store_root, target, "r3", tmp) == 0  # already removed: not again
        (store_root / ALR_1).write_bytes(kept)
        third = load(store_root, target, "r4", tmp)
        assert (third[ALR_1].status, third[ALR_1].rows_loaded) == ("loaded", 5)
        assert by_file(target, AALR1) == {ALR_1: 5, ALR_2: 4}


def test_bigquery_purge_records_removed_in_one_script_per_file() -> None:
    from tasks.backends.bigquery import BigQueryBackend

    class LedgerClient(FakeBigQueryClient):
        def query(self, sql: str, job_config: Any = None) -> FakeBigQueryClient._Job:
            self.calls.append(("query", sql, job_config))
            if sql.startswith("select file_path, family"):
                return self._Job([(ALR_1, "alr", AALR1, "a" * 64, "loaded", 1), (ALR_2, "alr", AALR1, "b", "loaded", 1),
                                  (ALR_2, "alr", AALR1, "b", "removed", 2)])
            if "INFORMATION_SCHEMA" in sql:
                return self._Job([("bene_mbi_id",)])
            return self._Job()

    client = LedgerClient()
    backend = BigQueryBackend(client, "proj", bq=FakeBigQuery)
    assert backend.purge_missing(set(), ("alr",), "r9") == 1  # ALR_2 was removed before: not again
    script, config = client.calls[-1][1:]
    assert script.splitlines()[:3] == ["begin transaction;",
                                       f"delete from `proj.raw_data.{AALR1}` where file_path = @file_path;",
                                       "delete from `proj.mssp_meta.rejected_records` where file_path = @file_path;"]
    assert script.splitlines()[-1] == "commit transaction;"
    params = {name: value for name, _, value in config.query_parameters}
    assert (params["file_path"], params["status"], params["run_id"], params["rows_loaded"]) == (
        ALR_1, "removed", "r9", 0)


# --- load order and same bytes (issue 14 items 5 and 8) ----------------------------------------

LOAD_SEQ_BACKENDS = ("duckdb", "parquet_local", "parquet_s3", "redshift_on_duckdb", "databricks_on_duckdb",
                     "snowflake", "fabric_local_delta")
"""Backends whose ledger orders a file's rows by ``load_seq`` and that detect the same bytes under two
names (BigQuery still orders by time and loads both)."""
ALR_COPY = f"{ALR_DIR}/P.A1234.ACO.QALR.2024Q1.D240415.T0200000_1-1.csv"
"""Another name for ALR_1's delivery: same table, same file date."""


@pytest.mark.parametrize("name", LOAD_SEQ_BACKENDS)
def test_a_clock_stepped_back_still_picks_the_later_load(name: str, store_root: Path, tmp: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import sys

    import tasks.backends.duckdb
    import tasks.backends.parquet
    import tasks.backends.sqlwarehouse
    import tasks.ingest

    with open_target(name, tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp)
        back = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)  # a DST fall-back, or NTP stepping the clock
        for module in (tasks.ingest, tasks.backends.duckdb, tasks.backends.parquet, tasks.backends.sqlwarehouse,
                       *([sys.modules["tasks.backends.fabric"]] if name.startswith("fabric") else [])):
            monkeypatch.setattr(module, "utc_now", lambda: back)
        (store_root / ALR_1).write_bytes(alr_rows(2, "9ZZ"))
        assert load(store_root, target, "r2", tmp)[ALR_1].status == "replaced"
        third = load(store_root, target, "r3", tmp)  # r1's row is later by the clock, r2's by load_seq
        assert Counter(o.status for o in third.values()) == {"unchanged": 3}, [o.message for o in third.values()]
        assert by_file(target, AALR1) == {ALR_1: 2, ALR_2: 4}
        assert {r["bene_mbi_id"][:3] for r in target.rows(AALR1) if r["file_path"] == ALR_1} == {"9ZZ"}
        rows = sorted((r for r in target.ledger() if r["file_path"] == ALR_1), key=lambda r: r["load_seq"])
        assert [r["run_id"] for r in rows] == ["r1", "r2", "r3"]
        assert rows[0]["finished_at"] > rows[1]["finished_at"]  # the clock did step back


@pytest.mark.parametrize("name", LOAD_SEQ_BACKENDS)
def test_a_file_copied_under_a_second_name_is_duplicate_and_rows_are_not_doubled(
        name: str, store_root: Path, tmp: Path, tmp_path: Path) -> None:
    with open_target(name, tmp_path) as target:
        write_store(store_root)
        (store_root / ALR_COPY).write_bytes((store_root / ALR_1).read_bytes())
        first = load(store_root, target, "r1", tmp, present=True)
        assert Counter(o.status for o in first.values()) == {"loaded": 3, "duplicate": 1}
        twin, copy = sorted([ALR_1, ALR_COPY], key=lambda p: first[p].status != "loaded")
        assert first[copy].rows_loaded == 0 and twin in (first[copy].message or "")
        assert by_file(target, AALR1) == {twin: 5, ALR_2: 4}
        second = load(store_root, target, "r2", tmp, present=True)  # still a duplicate, still not doubled
        assert (second[copy].status, second[twin].status) == ("duplicate", "unchanged")
        assert by_file(target, AALR1) == {twin: 5, ALR_2: 4}
        assert [r["status"] for r in target.ledger() if r["file_path"] == copy] == ["duplicate", "duplicate"]


@pytest.mark.parametrize("name", LOAD_SEQ_BACKENDS)
def test_a_renamed_file_moves_its_rows_and_the_old_path_is_removed(name: str, store_root: Path, tmp: Path,
                                                                    tmp_path: Path) -> None:
    with open_target(name, tmp_path) as target:
        write_store(store_root)
        load(store_root, target, "r1", tmp, present=True)
        (store_root / ALR_1).rename(store_root / ALR_COPY)
        second = load(store_root, target, "r2", tmp, present=True)
        assert (second[ALR_COPY].status, second[ALR_COPY].rows_loaded) == ("loaded", 5)
        assert by_file(target, AALR1) == {ALR_COPY: 5, ALR_2: 4}
        old = [r for r in target.ledger() if r["file_path"] == ALR_1 and r["run_id"] == "r2"]
        assert [(r["status"], r["rows_loaded"]) for r in old] == [("removed", 0)]
        assert ALR_COPY in old[0]["message"]
        third = load(store_root, target, "r3", tmp, present=True)
        assert Counter(o.status for o in third.values()) == {"unchanged": 3}
        assert by_file(target, AALR1) == {ALR_COPY: 5, ALR_2: 4}


@pytest.mark.parametrize("name", ("parquet_local", "redshift_on_duckdb", "databricks_on_duckdb", "snowflake",
                                  "fabric_local_delta"))
def test_an_existing_ledger_gains_load_seq_and_new_rows_outrank_old_ones(name: str, tmp_path: Path) -> None:
    import datetime as dt

    from tasks.backends import LedgerContext
    from tasks.backends.parquet import ParquetBackend
    from tasks.backends.staging import ledger_table, ledger_values
    from tasks.ledger import FILE_LOADS_COLUMNS, LEDGER_SCHEMA, utc_now

    future = dt.datetime.now() + dt.timedelta(days=1)  # an old row written by a clock running ahead
    old_ctx = LedgerContext("r0", "l0", future)
    old = FileOutcome(ALR_1, "alr", AALR1, "loaded", sha256="old")
    with open_target(name, tmp_path) as target:
        backend: Any = target.open()  # a ledger as written before load_seq
        try:
            if isinstance(backend, ParquetBackend):
                import pyarrow.parquet as pq

                backend.fs.makedirs(backend._path(LEDGER_SCHEMA, "file_loads"), exist_ok=True)
                pq.write_table(ledger_table(None, old, old_ctx, future), backend.ledger_path("file_loads", "l0"))
            elif name.startswith("fabric"):
                backend._append(LEDGER_SCHEMA, "file_loads", ledger_table(None, old, old_ctx, future))
            else:
                d = backend.dialect
                names = ", ".join(d.ident(n) for n, _ in FILE_LOADS_COLUMNS)
                marks = ", ".join([d.placeholder] * len(FILE_LOADS_COLUMNS))
                backend._run([d.create_schema(LEDGER_SCHEMA), d.create_table(LEDGER_SCHEMA, "file_loads",
                                                                              FILE_LOADS_COLUMNS),
                              (f"insert into {d.table(LEDGER_SCHEMA, 'file_loads')} ({names}) values ({marks})",
                               ledger_values(None, old, old_ctx, future)), *backend._autocommit_tail()])
        finally:
            backend.close()
        assert [r["load_id"] for r in target.ledger()] == ["l0"]
        backend = target.open()
        try:
            backend.prepare()  # migrates: load_seq added, the old row keeps NULL
            backend.record(None, FileOutcome(ALR_1, "alr", AALR1, "unchanged", sha256="new"),
                           LedgerContext("r1", "l1", utc_now()))
            assert backend.prior_load(ALR_1).sha256 == "new"
        finally:
            backend.close()
        assert sorted((r["load_id"], r["load_seq"]) for r in target.ledger()) == [("l0", None), ("l1", 1)]
