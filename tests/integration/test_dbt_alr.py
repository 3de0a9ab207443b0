"""dbt/alr on small raw fixtures: the scenarios of alr_semantics.md §10.

One ``dbt build`` runs over a DuckDB file holding every scenario side by side (one ACO id
and its own MBIs per scenario); the tests then assert on the final relations. A second,
selected build switches ``alr.enrollment`` to member months.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tasks.dbt.runner import DbtBuildResult, build_project
from tasks.settings import load_settings

try:
    from tests.integration.alr_fixtures import (
        AlrFile,
        RawAlr,
        benchmark,
        initial,
        quarterly,
    )
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from alr_fixtures import AlrFile, RawAlr, benchmark, initial, quarterly  # type: ignore[no-redef]

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt" / "alr"


def months(first: str, last: str) -> list[str]:
    """['202404', ..., '202506'] for months('2024-04', '2025-06')."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    out = []
    while (year, month) <= end:
        out.append(f"{year}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ------------------------------------------------------------------------- fixture data


def build_fixture() -> RawAlr:
    raw = RawAlr()
    # A01: Q1 lists B and C, Q2 lists B
    q1, q2 = quarterly("A0001", "2025Q1"), quarterly("A0001", "2025Q2", "0200000")
    raw.bene(q1, "A01B"), raw.bene(q1, "A01C"), raw.bene(q2, "A01B")
    # A02: B in Q2's table 1-5 but absent from its 1-1
    q1, q2 = quarterly("A0002", "2025Q1"), quarterly("A0002", "2025Q2", "0200000")
    raw.bene(q1, "A02B"), raw.bene(q1, "A02C"), raw.bene(q2, "A02C")
    raw.turnover(q2, "A02B", plur_r05="1", ab_r01="0")
    # A02b: B absent from Q2, back in Q3
    q1, q2 = quarterly("A0003", "2025Q1"), quarterly("A0003", "2025Q2", "0200000")
    q3 = quarterly("A0003", "2025Q3", "0300000")
    raw.bene(q1, "A02bB"), raw.bene(q2, "A02bC"), raw.bene(q3, "A02bB")
    raw.turnover(q2, "A02bB", plur_r05="1")
    # A03: initial, three benchmarks and four quarterlies of PY2025; one MBI per file
    for file in [
        initial("A0004", 2025),
        benchmark("A0004", 2022, 2025),
        benchmark("A0004", 2023, 2025),
        benchmark("A0004", 2024, 2025),
        *(quarterly("A0004", f"2025Q{q}", f"0{q}00000") for q in range(1, 5)),
    ]:
        raw.bene(file, f"A03-{file.period or 'initial'}")
    # A03b: initial and Q1 only: the initial governs what Q1 does not cover
    raw.bene(initial("A0005", 2025), "A03bI"), raw.bene(quarterly("A0005", "2025Q1"), "A03bQ")
    # A04: re-delivery with a corrected score; A04b drops B; A04c drops B's top TIN row
    first, second = quarterly("A0006", "2025Q3", "0300000"), quarterly("A0006", "2025Q3", "0310000")
    raw.bene(first, "A04B", esrd_score="1.1"), raw.bene(second, "A04B", esrd_score="1.2")
    first, second = quarterly("A0007", "2025Q3", "0300000"), quarterly("A0007", "2025Q3", "0310000")
    raw.bene(first, "A04bB"), raw.bene(first, "A04bD"), raw.bene(second, "A04bD")
    first, second = quarterly("A0008", "2025Q3", "0300000"), quarterly("A0008", "2025Q3", "0310000")
    raw.bene(first, "A04cB"), raw.bene(second, "A04cB")
    raw.tin(first, "A04cB", "111111111", "9"), raw.tin(first, "A04cB", "222222222", "5")
    raw.tin(second, "A04cB", "222222222", "5")
    # A05: flags with a gap
    raw.bene(
        quarterly("A0009", "2025Q1"),
        "A05B",
        flags=["1", "2", "3", "4", "0", "0", "4", "4", "4", "4", "4", "4"],
    )
    # A06: death in March; E has an ISO birth date (not parsed, warned)
    q4 = quarterly("A0010", "2024Q4")
    raw.bene(
        q4,
        "A06B",
        flags=["1", "1", "1"] + ["0"] * 9,
        bene_death_dt="03/15/2024",
        bene_brth_dt="3/5/1940",
    )
    raw.bene(q4, "A06E", bene_brth_dt="1950-01-02")
    # A07: 14 decimals
    raw.bene(
        quarterly("A0011", "2025Q1"),
        "A07B",
        bene_rsk_r_scre_01="1.02345678901234",
        esrd_score="1.02345678901234",
    )
    # A08: two TINs; A08b no 1-2 rows
    q1 = quarterly("A0012", "2025Q1")
    raw.bene(q1, "A08B"), raw.bene(q1, "A08bC")
    raw.tin(q1, "A08B", "111111111", "5"), raw.tin(q1, "A08B", "999999999", "9")
    raw.npi(q1, "A08B", "999999999", "1000000001", "3")
    raw.npi(q1, "A08B", "999999999", "2000000002", "7")
    raw.npi(q1, "A08B", "111111111", "3000000003", "50")
    raw.npi(q1, "A08bC", "111111111", "3000000003", "5")
    # A08c: TIN tie and NPI tie; C has no 1-4 row for its top TIN
    q1 = quarterly("A0013", "2025Q1")
    raw.bene(q1, "A08cB"), raw.bene(q1, "A08cC")
    raw.tin(q1, "A08cB", "123456789", "7"), raw.tin(q1, "A08cB", "012345678", "7")
    raw.npi(q1, "A08cB", "012345678", "2000000002", "4")
    raw.npi(q1, "A08cB", "012345678", "1000000001", "4")
    raw.tin(q1, "A08cC", "555555555", "8"), raw.tin(q1, "A08cC", "666666666", "2")
    raw.npi(q1, "A08cC", "666666666", "6000000006", "9")
    # A09: 1-6 and 1-9 in a superseded and the governing delivery
    first, second = quarterly("A0014", "2025Q1"), quarterly("A0014", "2025Q1", "0110000")
    for file, va, adi in ((first, "0", "10"), (second, "1", "20")):
        raw.bene(file, "A09B"), raw.assignable(file, "A09B", va), raw.underserved(file, "A09B", adi)
    # A11: initial file name
    raw.bene(AlrFile("A0015", "AALR", None, "249999", "0100000"), "A11B")
    # A12: PY2024 Q3 against the PY2025 benchmark Y2024
    raw.bene(quarterly("A0016", "2024Q3"), "A12B"), raw.bene(benchmark("A0016", 2024, 2025), "A12C")
    # A13: M1 in PY2024, M2 in PY2025, CCLF9 M1 -> M2
    q24, q25 = quarterly("A0017", "2024Q4"), quarterly("A0017", "2025Q4")
    raw.bene(q24, "A13M1"), raw.bene(q25, "A13M2")
    raw.tin(q24, "A13M1", "131313131", "3")
    raw.xref("A13M1", "A13M2", "P.A0017.ACO.ZC9Y25.D250115.T0100000", d("2025-01-15"))
    # A13c: old and current MBI of one person both enrolled in one month
    q4 = quarterly("A0018", "2025Q4")
    raw.bene(q4, "A13cM3"), raw.bene(q4, "A13cM4")
    raw.tin(q4, "A13cM3", "333333333", "3"), raw.tin(q4, "A13cM4", "444444444", "3")
    raw.xref("A13cM3", "A13cM4", "P.A0018.ACO.ZC9Y25.D250115.T0100000", d("2025-01-15"))
    # A14: counts compared as integers
    q1 = quarterly("A0019", "2025Q1")
    raw.bene(q1, "A14B")
    raw.tin(q1, "A14B", "100000000", "9"), raw.tin(q1, "A14B", "200000000", "10")
    raw.npi(q1, "A14B", "200000000", "1000000001", "9")
    raw.npi(q1, "A14B", "200000000", "2000000002", "10")
    # A15: leading zeros
    q1 = quarterly("A0020", "2025Q1")
    raw.bene(q1, "A15B"), raw.tin(q1, "A15B", "030000000", "1")
    raw.npi(q1, "A15B", "030000000", "0400000001", "1")
    # A16: B only in superseded files
    raw.bene(benchmark("A0021", 2024, 2025), "A16C"), raw.bene(quarterly("A0021", "2025Q4"), "A16C")
    raw.bene(quarterly("A0021", "2025Q3", "0300000"), "A16B")
    raw.bene(benchmark("A0021", 2025, 2026), "A16B")
    # A17: a header-only file governs
    raw.bene(quarterly("A0022", "2025Q1"), "A17B")
    raw.header_only(quarterly("A0022", "2025Q2", "0200000"))
    # A18: files without a seed row
    raw.bene(AlrFile("A0023", "QALR", None, "200213", "1200012"), "A18B")
    raw.bene(quarterly("A0023", "2030Q1"), "A18B")
    # A19 (issue 16 #8): ASSIGNMENT_TYPE as a code, as text, and as neither
    q1 = quarterly("A0024", "2025Q1")
    raw.bene(q1, "A19B", assignment_type="1"), raw.bene(q1, "A19C", assignment_type=" va ")
    raw.bene(q1, "A19D", assignment_type="CL@IMS")
    return raw


# ------------------------------------------------------------------------- build


class Built:
    def __init__(
        self,
        database: Path,
        result: DbtBuildResult,
        spans: list[tuple[Any, ...]],
        member_months: list[tuple[Any, ...]],
        member_result: DbtBuildResult,
    ) -> None:
        self.database, self.result = database, result
        self.spans, self.member_months, self.member_result = spans, member_months, member_result

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.database)) as con:
            return con.execute(sql, list(params)).fetchall()

    def enrolled_months(self, mbi: str) -> list[str]:
        return [
            r[0]
            for r in self.query(
                "select strftime(enroll_month, '%Y%m') from _int_alr.int_alr_member_months_selected"
                " where bene_mbi_id = ? order by 1",
                mbi,
            )
        ]

    def governing(self, aco: str) -> dict[str, str]:
        rows = self.query(
            "select strftime(enroll_month, '%Y%m'), file_name from _int_alr.int_alr_files_ranked"
            " where aco_id = ? and is_governing",
            aco,
        )
        return dict(rows)

    def attribution(self, person: str) -> list[tuple[Any, ...]]:
        return self.query(
            "select year_month, member_id, payer_attributed_provider_practice,"
            " payer_attributed_provider from input_layer.provider_attribution"
            " where person_id = ? order by year_month",
            person,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("dbt_alr")
    database = root / "fixture.duckdb"
    build_fixture().write(str(database))
    settings = load_settings(output_location=str(database), temp_location=str(root / "tmp"))
    result = build_project(PROJECT, settings, work_dir=root / "work", use_prefect=False)
    with duckdb.connect(str(database)) as con:
        spans = con.execute("select * from alr.enrollment order by 1, 2").fetchall()
    member_result = build_project(
        PROJECT,
        settings,
        work_dir=root / "work",
        use_prefect=False,
        dbt_vars={"member_months_enrollment": True},
        select=["enrollment"],
    )
    with duckdb.connect(str(database)) as con:
        member_months = con.execute("select * from alr.enrollment order by 1, 2").fetchall()
    yield Built(database, result, spans, member_months, member_result)


def spans_of(built: Built, mbi: str) -> list[tuple[dt.date, dt.date]]:
    return [(r[1], r[2]) for r in built.spans if r[0] == mbi]


# ------------------------------------------------------------------------- build outcome


def test_build_succeeds_with_row_counts(built: Built) -> None:
    assert built.result.success, built.result
    assert built.result.failed_nodes == ()
    assert built.result.row_counts["input_layer.provider_attribution"] > 0
    assert set(built.result.row_counts) == {
        "alr.alr_history",
        "alr.enrollment",
        "input_layer.provider_attribution",
    }
    assert built.member_result.success, built.member_result
    # warn tests fire on the fixture's bad rows (A06 ISO birth date, A18 unmatched files)
    assert "alr_files_without_seed_row" in built.result.warned_nodes
    assert any(n.startswith("mssp_common_parsed_when_present_stg_alr__aalr1") for n in built.result.warned_nodes)
    assert built.result.status_counts.get("warn", 0) == len(built.result.warned_nodes)


def test_schemas_are_verbatim_and_input_layer_is_clean(built: Built) -> None:
    tables = built.query(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('alr', 'input_layer') order by 1, 2"
    )
    assert tables == [
        ("alr", "alr_history"),
        ("alr", "enrollment"),
        ("input_layer", "provider_attribution"),
    ]
    schemas = {r[0] for r in built.query("select schema_name from information_schema.schemata")}
    assert {"_stg_alr", "_int_alr"} <= schemas


def test_provider_attribution_columns_in_contract_order(built: Built) -> None:
    columns = built.query(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'input_layer' and table_name = 'provider_attribution'"
        " order by ordinal_position"
    )
    assert [c[0] for c in columns] == [
        "person_id",
        "patient_id",
        "member_id",
        "year_month",
        "payer",
        "plan",
        "data_source",
        "payer_attributed_provider",
        "payer_attributed_provider_practice",
        "payer_attributed_provider_organization",
        "payer_attributed_provider_lob",
        "custom_attributed_provider",
        "custom_attributed_provider_practice",
        "custom_attributed_provider_organization",
        "custom_attributed_provider_lob",
        "file_name",
        "ingest_datetime",
        "x_aco_id",
    ]
    types = dict(columns)
    assert types["ingest_datetime"] == "TIMESTAMP"
    assert {types[c] for c in types if c != "ingest_datetime"} == {"VARCHAR"}
    values = built.query("select distinct payer, plan, data_source from input_layer.provider_attribution")
    assert values == [("medicare", "medicare", "medicare cclf")]


def test_enrollment_columns(built: Built) -> None:
    columns = built.query(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'alr' and table_name = 'enrollment' order by ordinal_position"
    )
    assert columns[:4] == [
        ("current_bene_mbi_id", "VARCHAR"),
        ("enrollment_start_date", "DATE"),
        ("enrollment_end_date", "DATE"),
        ("bene_member_month", "DATE"),
    ]


def test_seed_matches_generator_and_rules() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_file_parameters", PROJECT / "scripts" / "generate_file_parameters.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (PROJECT / "seeds" / "mssp_file_parameters.csv").read_text(encoding="utf-8")
    assert text == module.render()
    lines = text.splitlines()
    assert len(lines) == 89
    assert "2025,2025,Y2025,2023-10-01,2024-09-30,6,initial" in lines
    assert "2025,2024,Y2024,2024-01-01,2024-12-31,1,benchmark" in lines
    assert "2025,2025,2025Q1,2024-04-01,2025-03-31,5,quarterly" in lines


# ------------------------------------------------------------------------- scenarios


def test_a01_latest_quarterly_governs_its_months(built: Built) -> None:
    assert built.enrolled_months("A01B") == months("2024-04", "2025-06")
    assert built.enrolled_months("A01C") == months("2024-04", "2024-06")
    governing = built.governing("A0001")
    assert {governing[m] for m in months("2024-07", "2025-06")} == {"P.A0001.ACO.QALR.2025Q2.D259999.T0200000_1-1.csv"}
    assert {governing[m] for m in months("2024-04", "2024-06")} == {"P.A0001.ACO.QALR.2025Q1.D259999.T0100000_1-1.csv"}
    assert spans_of(built, "A01C") == [(d("2024-04-01"), d("2024-06-30"))]


def test_a02_turnover_table_does_not_enroll(built: Built) -> None:
    assert built.enrolled_months("A02B") == months("2024-04", "2024-06")
    assert built.enrolled_months("A02C") == months("2024-04", "2025-06")


def test_a02b_back_in_q3(built: Built) -> None:
    assert built.enrolled_months("A02bB") == months("2024-04", "2024-06") + months("2024-10", "2025-09")
    flagged = built.query(
        "select count(*) from alr.alr_history where bene_mbi_id = 'A02bB' and is_governing and is_in_turnover_table"
    )
    assert flagged == [(0,)]


def test_a03_governing_order_of_one_performance_year(built: Built) -> None:
    governing = built.governing("A0004")
    period = {m: name.split(".")[4] for m, name in governing.items()}
    assert {period[m] for m in months("2022-01", "2022-12")} == {"Y2022"}
    assert {period[m] for m in months("2023-01", "2023-12")} == {"Y2023"}
    assert {period[m] for m in months("2024-01", "2024-12")} == {"Y2024"}
    assert {period[m] for m in months("2025-01", "2025-12")} == {"2025Q4"}
    assert set(period) == set(months("2022-01", "2025-12"))
    assert built.enrolled_months("A03-initial") == []
    assert built.enrolled_months("A03-2025Q1") == []
    assert built.enrolled_months("A03b" + "I") == months("2023-10", "2024-03")
    assert built.enrolled_months("A03bQ") == months("2024-04", "2025-03")


def test_a04_redelivery_replaces_scores(built: Built) -> None:
    rows = built.query(
        "select year_month, esrd_score from alr.alr_history where bene_mbi_id = 'A04B' and is_governing order by 1"
    )
    assert [r[0] for r in rows] == months("2024-10", "2025-09")
    assert {r[1] for r in rows} == {Decimal("1.2")}
    assert len([r for r in built.member_months if r[0] == "A04B"]) == 12


def test_a04b_redelivery_drops_beneficiary(built: Built) -> None:
    assert built.enrolled_months("A04bB") == []
    assert built.enrolled_months("A04bD") == months("2024-10", "2025-09")


def test_a04c_redelivery_top_tin(built: Built) -> None:
    rows = built.attribution("A04cB")
    assert len(rows) == 12
    assert {r[2] for r in rows} == {"222222222"}


def test_a05_two_spans_or_ten_member_months(built: Built) -> None:
    assert spans_of(built, "A05B") == [
        (d("2024-04-01"), d("2024-07-31")),
        (d("2024-10-01"), d("2025-03-31")),
    ]
    rows = [r for r in built.member_months if r[0] == "A05B"]
    assert len(rows) == 10
    assert rows[0] == ("A05B", d("2024-04-01"), d("2024-04-30"), d("2024-04-01"))
    assert all(r[3] is None for r in built.spans)


def test_a06_death_month_and_date_parsing(built: Built) -> None:
    assert spans_of(built, "A06B") == [(d("2024-01-01"), d("2024-03-31"))]
    rows = built.query(
        "select distinct bene_death_date, bene_birth_date from alr.alr_history where bene_mbi_id = 'A06B'"
    )
    assert rows == [(d("2024-03-15"), d("1940-03-05"))]
    iso = built.query(
        "select bene_birth_date, bene_birth_date_text is not null"
        " from _stg_alr.stg_alr__aalr1_assigned_beneficiaries where bene_mbi_id = 'A06E'"
    )
    assert iso == [(None, True)]


def test_a07_fourteen_decimals(built: Built) -> None:
    rows = built.query("select distinct bene_rsk_r_scre_01, esrd_score from alr.alr_history where bene_mbi_id = 'A07B'")
    assert rows == [(Decimal("1.02345678901234"), Decimal("1.02345678901234"))]


def test_a08_top_tin_then_its_top_npi(built: Built) -> None:
    rows = built.attribution("A08B")
    assert len(rows) == 12
    assert {(r[2], r[3]) for r in rows} == {("999999999", "2000000002")}
    assert {(r[2], r[3]) for r in built.attribution("A08bC")} == {(None, None)}


def test_a08c_ties(built: Built) -> None:
    assert {(r[2], r[3]) for r in built.attribution("A08cB")} == {("012345678", "1000000001")}
    assert {(r[2], r[3]) for r in built.attribution("A08cC")} == {("555555555", None)}


def test_a09_details_from_governing_delivery(built: Built) -> None:
    rows = built.query(
        "select is_governing, va_selection_only, adi_natrank, count(*) from alr.alr_history"
        " where bene_mbi_id = 'A09B' group by all order by 1"
    )
    assert rows == [(False, 0, 10, 12), (True, 1, 20, 12)]


def test_a11_initial_file_metadata(built: Built) -> None:
    rows = built.query(
        "select alr_file_type, file_period, performance_year, period_start_date,"
        " period_end_date, t_stamp from _int_alr.int_alr_files_listed where aco_id = 'A0015'"
    )
    assert rows == [("initial", "Y2024", 2024, d("2022-10-01"), d("2023-09-30"), 100000)]
    assert built.enrolled_months("A11B") == months("2022-10", "2023-09")


def test_a12_earlier_performance_year_governs(built: Built) -> None:
    assert built.enrolled_months("A12B") == months("2023-10", "2024-09")
    assert built.enrolled_months("A12C") == months("2024-10", "2024-12")


def test_a13_crosswalk_in_attribution_only(built: Built) -> None:
    assert spans_of(built, "A13M1") == [(d("2024-01-01"), d("2024-12-31"))]
    assert spans_of(built, "A13M2") == [(d("2025-01-01"), d("2025-12-31"))]
    rows = built.attribution("A13M2")
    assert [r[0] for r in rows] == months("2024-01", "2025-12")
    assert {r[1] for r in rows} == {"A13M2"}
    assert built.attribution("A13M1") == []
    assert {r[2] for r in rows[:12]} == {"131313131"}


def test_a13c_current_mbi_row_wins(built: Built) -> None:
    rows = built.attribution("A13cM4")
    assert len(rows) == 12
    assert {r[2] for r in rows} == {"444444444"}


def test_a14_counts_compared_as_integers(built: Built) -> None:
    assert {(r[2], r[3]) for r in built.attribution("A14B")} == {("200000000", "2000000002")}


def test_a15_leading_zeros_kept(built: Built) -> None:
    assert {(r[2], r[3]) for r in built.attribution("A15B")} == {("030000000", "0400000001")}


def test_a16_only_superseded_files(built: Built) -> None:
    assert built.enrolled_months("A16B") == []
    assert built.enrolled_months("A16C") == months("2024-01", "2025-12")


def test_a17_header_only_file_governs(built: Built) -> None:
    assert built.enrolled_months("A17B") == months("2024-04", "2024-06")
    assert built.governing("A0022")["202407"] == "P.A0022.ACO.QALR.2025Q2.D259999.T0200000_1-1.csv"


def test_a19_assignment_type_code_and_text_both_kept(built: Built) -> None:
    rows = built.query("select distinct bene_mbi_id, assignment_type, assignment_type_text from alr.alr_history"
                       " where aco_id = 'A0024' order by 1")
    assert rows == [("A19B", 1, "1"), ("A19C", None, "VA"), ("A19D", None, "CL@IMS")]
    # the warn test counts values that parse as neither (CL@IMS, A06's ISO birth date), not VA
    assert "alr_unparsed_values" in built.result.warned_nodes


def test_a18_file_without_seed_row_is_ignored_and_named(built: Built) -> None:
    assert built.enrolled_months("A18B") == []
    named = {r[0] for r in built.query("select file_name from _audit_alr.alr_files_without_seed_row")}
    assert named == {
        "P.A0023.ACO.QALR.D200213.T1200012_1-1.csv",
        "P.A0023.ACO.QALR.2030Q1.D309999.T0100000_1-1.csv",
    }


def test_no_month_twice_in_enrollment(built: Built) -> None:
    overlaps = built.query(
        "select count(*) from alr.enrollment a join alr.enrollment b"
        " on a.current_bene_mbi_id = b.current_bene_mbi_id"
        " and a.enrollment_start_date < b.enrollment_start_date"
        " and b.enrollment_start_date <= a.enrollment_end_date"
    )
    assert overlaps == [(0,)]


# ------------------------------------------------------------------------- missing tables


def test_build_without_raw_tables(tmp_path: Path) -> None:
    """No ALR, CCLF9 or ledger tables at all: the build succeeds with empty relations."""
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    settings = load_settings(output_location=str(database), temp_location=str(tmp_path / "t"))
    result = build_project(PROJECT, settings, use_prefect=False)
    assert result.success, result
    assert result.row_counts == {
        "alr.alr_history": 0,
        "alr.enrollment": 0,
        "input_layer.provider_attribution": 0,
    }
