"""dbt/mssp on a small hand-written warehouse: report marts, CMS vs claims, savings estimate.

One ACO, PY2025 Q1: four assigned beneficiaries, one per enrollment type, three months each
(0.25 person years each); CMS's QEXPU and BNMRK cells and the claims are chosen so every figure
below is computed by hand. Raw tables of the other families are absent and must build empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tasks.dbt.runner import DbtBuildResult, build_project
from tasks.settings import load_settings

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2] / "dbt" / "mssp"
ACO = "A0001"
QEXPU = f"P.{ACO}.ACO.QEXPU.2025Q1.D250520.T1100000.xlsx"
BNMRK = f"P.{ACO}.ACO.BNMRK.D250115.T1000001.xlsx"
BEUR = f"P.{ACO}.ACO.BEUR.2025Q1.D250520.T0700000.csv"
TYPES = ("ESRD", "Disabled", "Aged/dual", "Aged/non-dual")
FLAGS = dict(zip(("esrd", "disabled", "aged_dual", "aged_non_dual"), (1, 2, 3, 4), strict=True))
CMS_PER_CAPITA = dict(zip(TYPES, (12000, 10000, 9000, 6000), strict=True))
HISTORICAL = dict(zip(TYPES, (13000, 11000, 10000, 7000), strict=True))
UPDATED = dict(zip(TYPES, (14000, 12000, 10000, 8000), strict=True))
# claims paid in Q1 per beneficiary: per capita per year = paid / 3 months x 12
PAID = {"esrd": [(1, 1000.0), (3, 2000.0)], "disabled": [(2, 2500.0)], "aged_dual": [(1, 2250.0)],
        "aged_non_dual": [(2, 500.0)]}
MARTS = {
    "beneficiary_expenditure_utilization", "advance_investment_payments", "non_claims_based_payments",
    "quality_beneficiaries", "quality_measure_beneficiaries", "shadow_bundle_claims", "participants",
    "providers_and_suppliers", "beneficiary_exclusions", "excluded_beneficiary_mbi_xref", "report_cells",
    "benchmark_vs_expenditure", "claims_expenditure", "expenditure_reconciliation", "savings_estimate",
}
META = ("file_path varchar, file_name varchar, directory_name varchar, file_date date, file_row_number bigint, "
        "load_id varchar")
CELL_COLUMNS = ("row_num, group_label, section_code, section_label, row_label, column_group_label, column_label, "
                "value_text, aco_id, performance_year, benchmark_year, submission_id, period")


def _cells(con: duckdb.DuckDBPyConnection, table: str, file_name: str, period: str,
           rows: list[tuple[str, str, str | None, dict[str, object]]]) -> None:
    columns = ", ".join(c + " varchar" for c in CELL_COLUMNS.split(", "))
    con.execute(f"create table raw_data.{table} ({columns}, {META})")
    n = 0
    for row_num, (section, label, group, values) in enumerate(rows, start=5):
        for column, value in values.items():
            n += 1
            con.execute(f"insert into raw_data.{table} values ({', '.join(['?'] * 19)})",
                        [str(row_num), None, section, None, label, group, column, str(value), ACO, "2025", None,
                         "D250520.T1100000", period, f"{ACO}/2025/x/{file_name}", file_name, f"{ACO}/2025/x",
                         dt.date(2025, 5, 20), n, "load-1"])


def write_fixture(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        for schema in ("raw_data", "alr", "input_layer"):
            con.execute(f"create schema {schema}")
        _cells(con, "qexpu_table_1", QEXPU, "2025Q1", [
            ("A", "[A] Total Part A and B expenditures", None, CMS_PER_CAPITA),
            ("A", "  Inpatient", None, {"ESRD": 99999}),  # a detail row of section A: not the total
            ("B", "[B] Person years", None, dict.fromkeys(TYPES, 0.25)),
        ])
        _cells(con, "bnmrk_table_1", BNMRK, "D250115.T1000001", [
            ("A", "[A] Total Part A and B expenditures", "BY3", HISTORICAL),
            ("A", "[A] Total Part A and B expenditures", "BY2", dict.fromkeys(TYPES, 1)),
            ("B", "[B] Person years", "BY3", dict.fromkeys(TYPES, 0.25)),
        ])
        _cells(con, "bnmrk_table_4", BNMRK, "D250115.T1000001", [
            ("A", "[A] Updated benchmark", None, UPDATED),
        ])
        con.execute(f"create table raw_data.beur_beneficiary_expenditure_utilization_report (aco_id varchar, "
                    f"performance_year varchar, quarter varchar, bene_mbi_id varchar, tot_exp varchar, {META})")
        for i, amount in enumerate(["123.45", "12,3"], start=1):  # the second does not parse
            con.execute("insert into raw_data.beur_beneficiary_expenditure_utilization_report values "
                        "(?, '2025', '1', ?, ?, 'p', ?, 'd', DATE '2025-05-20', ?, 'load-1')",
                        [ACO, f"B{i}", amount, BEUR, i])
        # an MCQM CSV of PY2026 (colorectal cancer screening, measure 113, new in 2026)
        con.execute(f"create table raw_data.mcqm_ccs_113ssp (aco_id varchar, prfmnc_yr_num varchar, qrt_num varchar, "
                    f"bene_mbi_id varchar, ccs_age varchar, ccs_dx varchar, period varchar, {META})")
        con.execute("insert into raw_data.mcqm_ccs_113ssp values (?, '2026', '1', 'MBI1', 'Y', 'N', '2026Q1', "
                    "'p', ?, 'd', DATE '2026-05-20', 1, 'load-1')", [ACO, f"{ACO}_2026Q1_113.csv"])
        con.execute("create table alr.alr_history (aco_id varchar, bene_mbi_id varchar, enroll_month date, "
                    "enroll_flag integer, is_enrolled boolean, is_governing boolean, governing_rank bigint)")
        con.execute("create table input_layer.medical_claim (claim_id varchar, person_id varchar, "
                    "claim_start_date date, claim_line_start_date date, paid_amount double)")
        # the aged/non-dual beneficiary is listed by the ALR under a superseded MBI: dbt/cclf's
        # crosswalk maps it to the current MBI the claims carry
        con.execute("create schema _int_cclf")
        con.execute("create table _int_cclf.int_mbi_crosswalk_resolved as "
                    "select 'OLD4' as prvs_num, 'MBI4' as crnt_num")
        for kind, flag in FLAGS.items():
            mbi = f"MBI{flag}"
            for month in (1, 2, 3):
                con.execute("insert into alr.alr_history values (?, ?, ?, ?, true, true, 1)",
                            [ACO, "OLD4" if flag == 4 else mbi, dt.date(2025, month, 1), flag])
            for month, paid in PAID[kind]:
                con.execute("insert into input_layer.medical_claim values (?, ?, ?, null, ?)",
                            [f"C{flag}{month}", mbi, dt.date(2025, month, 10), paid])
        # a superseded file's row for the same month does not count twice
        con.execute("insert into alr.alr_history values (?, 'MBI1', DATE '2025-01-01', 4, true, false, 2)", [ACO])


@dataclass
class Built:
    database: Path
    result: DbtBuildResult

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database)) as con:
            return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("dbt_mssp")
    database = root / "fixture.duckdb"
    write_fixture(database)
    settings = load_settings(output_location=str(database), temp_location=str(root / "tmp"))
    result = build_project(PROJECT, settings, work_dir=root / "work", use_prefect=False,
                           dbt_vars={"mssp_track": "BASIC_E", "mssp_msr_mlr": None, "mssp_quality_factor": 1.0})
    yield Built(database, result)


def test_build_succeeds_and_every_mart_exists(built: Built) -> None:
    assert built.result.success, built.result
    assert set(built.result.row_counts) == {f"mssp.{m}" for m in MARTS}
    # families never delivered build as empty marts
    assert built.result.row_counts["mssp.shadow_bundle_claims"] == 0
    assert built.result.row_counts["mssp.participants"] == 0
    assert built.result.row_counts["mssp.beneficiary_expenditure_utilization"] == 2


def test_warn_tests_fire_on_unparsed_amount_and_out_of_band_ratio(built: Built) -> None:
    warned = built.result.warned_nodes
    assert any(n.startswith("mssp_common_parsed_when_present_stg_mssp__beur_total_expenditure") for n in warned), warned
    assert any(n.startswith("mssp_common_expression_is_true_expenditure_reconciliation") for n in warned), warned
    amounts = built.rows("select total_expenditure from mssp.beneficiary_expenditure_utilization order by bene_mbi_id")
    assert amounts == [(Decimal("123.45"),), (None,)]


def test_mcqm_2026_csv_measure(built: Built) -> None:
    assert built.rows("select performance_year, period, measure, quality_id, age, dx, encounter "
                      "from mssp.quality_measure_beneficiaries") == [(2026, "2026Q1", "CCS", "113", "Y", "N", None)]


def test_every_mart_carries_the_file_columns(built: Built) -> None:
    for mart in MARTS:
        columns = [r[0] for r in built.rows(
            f"select column_name from information_schema.columns where table_schema = 'mssp' and table_name = '{mart}' "
            "order by ordinal_position")]
        assert columns[:4] == ["performance_year", "period", "file_name", "file_date"], mart


def test_benchmark_vs_expenditure_by_hand(built: Built) -> None:
    got = {r[0]: r[1:] for r in built.rows(
        "select enrollment_type, person_years, historical_benchmark_per_capita, updated_benchmark_per_capita, "
        "expenditure_per_capita, savings_per_capita from mssp.benchmark_vs_expenditure "
        "where period = '2025Q1' and performance_year = 2025")}
    assert got["esrd"] == pytest.approx((0.25, 13000, 14000, 12000, 2000))
    assert got["aged_non_dual"] == pytest.approx((0.25, 7000, 8000, 6000, 2000))
    # total, person-year weighted: (12000 + 10000 + 9000 + 6000) / 4 = 9250; updated 44000 / 4 = 11000
    assert got["total"] == pytest.approx((1.0, 10250, 11000, 9250, 1750))


def test_claims_expenditure_by_hand(built: Built) -> None:
    got = {r[0]: r[1:] for r in built.rows(
        "select enrollment_type, person_months, paid_amount, expenditure_per_capita from mssp.claims_expenditure "
        "where period = '2025Q1'")}
    assert got["esrd"] == pytest.approx((3, 3000, 12000))  # the superseded flag-4 row is not counted
    assert got["aged_non_dual"] == pytest.approx((3, 500, 2000))
    assert got["total"] == pytest.approx((12, 8250, 8250))
    assert built.rows("select count(*) from mssp.claims_expenditure where period = 'Y2025'") == [(5,)]


def test_reconciliation_ratio_and_band(built: Built) -> None:
    got = dict(built.rows("select enrollment_type, ratio from mssp.expenditure_reconciliation where period = '2025Q1'"))
    assert got["esrd"] == pytest.approx(1.0)
    assert got["aged_non_dual"] == pytest.approx(2000 / 6000)
    assert got["total"] == pytest.approx(8250 / 9250)
    assert built.rows("select enrollment_type from mssp.expenditure_reconciliation where not is_within_band") == [
        ("aged_non_dual",)]


def test_savings_estimate_by_hand(built: Built) -> None:
    (row,) = built.rows(
        "select track_level, assigned_beneficiaries, total_benchmark, total_expenditure, gross_savings, "
        "minimum_savings_rate, is_savings_threshold_met, estimated_shared_savings, assumptions "
        "from mssp.savings_estimate")
    # benchmark 11000 x 1 PY, expenditure 9250: savings 1750 = 15.9% >= 12.2% (4 assigned, < 5000)
    # BASIC_E 50% -> 875, under the cap 10% x 11000 = 1100
    assert row[:2] == ("BASIC_E", 4) and row[6] is True
    assert [float(v) for v in (*row[2:6], row[7])] == pytest.approx([11000, 9250, 1750, 0.122, 875])
    assert "quality" in row[8] and "2025Q1" in row[8]


def test_setting_mssp_track_reaches_the_estimate(built: Built, tmp_path: Path) -> None:
    settings = load_settings(output_location=str(built.database), temp_location=str(tmp_path / "tmp"),
                             track="ENHANCED")
    result = build_project(PROJECT, settings, work_dir=tmp_path / "work", use_prefect=False,
                           select=["savings_estimate"])
    assert result.success, result
    # ENHANCED: 75% x 1750 = 1312.50, under the cap 20% x 11000 = 2200
    assert built.rows("select track_level, estimated_shared_savings from mssp.savings_estimate") == [
        ("ENHANCED", pytest.approx(1312.5))]


def test_report_section_withholds_small_cells(built: Built) -> None:
    """The fixture's four beneficiaries are a small cell: no amount derived from them is shown."""
    from tasks.report.privacy import SUPPRESSED, WITHHELD
    from tasks.report.section_performance import performance_section

    with duckdb.connect(str(built.database)) as con:
        section = performance_section(con)
    spending, reconciliation, savings = section.tables
    assert {r[3] for r in spending.rows} == {"esrd", "disabled", "aged_dual", "aged_non_dual", "total"}
    assert all(cell == WITHHELD for r in spending.rows for cell in r[4:])
    assert all(r[3] == SUPPRESSED and r[4:] == (WITHHELD,) * 3 for r in reconciliation.rows)
    (row,) = savings.rows
    assert row[4] == SUPPRESSED and row[5] == WITHHELD and row[-1] == WITHHELD
    assert any(note.startswith(f"Assumptions, {ACO} 2025") for note in section.notes)
