"""The README's demo command, run as a user runs it, checked against the generator's manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo.synthetic import generate_demo
from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSSP_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PREFECT_HOME"] = str(cwd / ".prefect")
    return subprocess.run([sys.executable, "-m", "flows.full_run", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    cwd = tmp_path_factory.mktemp("demo")
    first = run_cli(["--demo"], cwd)
    second = run_cli(["--demo"], cwd)
    return cwd, [first, second]


def test_demo_exits_zero_and_prints_the_summary(demo_runs) -> None:
    cwd, (first, _) = demo_runs
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Run summary" in first.stdout
    assert "cclf" in first.stdout and "alr" in first.stdout
    # the temporary server registered block types without importing every Prefect collection
    # (flows/__init__.py); the memoized path would have left its hash here
    assert not (cwd / ".prefect" / "memo_store.toml").exists()


def test_demo_raw_tables_match_the_generator_manifest(demo_runs, tmp_path: Path) -> None:
    cwd, _ = demo_runs
    manifest = generate_demo(tmp_path / "expected")
    with duckdb.connect(str(cwd / "data/demo/mssp.duckdb"), read_only=True) as con:
        for table, expected in sorted(manifest.rows.items()):
            (count,) = con.execute(f'select count(*) from raw_data."{table}"').fetchone()
            assert count == expected, table
        (bad,) = con.execute("select count(*) from mssp_meta.file_loads where status in ('rejected', 'failed')"
                             ).fetchone()
        assert bad == 0


MONTHS_OF_SPANS = """
    select distinct {person} as person_id, unnest(generate_series(
        date_trunc('month', enrollment_start_date), date_trunc('month', enrollment_end_date),
        interval 1 month))::date as month
    from {relation} {join}"""


def test_demo_builds_alr_and_cclf(demo_runs) -> None:
    cwd, (first, _) = demo_runs
    assert "dbt builds: ok" in first.stdout
    with duckdb.connect(str(cwd / "data/demo/mssp.duckdb"), read_only=True) as con:
        counts = {rel: con.execute(f"select count(*) from {rel}").fetchone()[0] for rel in (
            "alr.alr_history", "alr.enrollment", "input_layer.provider_attribution", "input_layer.medical_claim",
            "input_layer.pharmacy_claim", "input_layer.eligibility")}
        assert all(n > 0 for n in counts.values()), counts
        for rel, n in counts.items():
            assert f"{rel:<40}{n:>10} rows" in first.stdout
        # A10: the eligibility months of dbt/cclf are exactly the enrolled months of dbt/alr,
        # once the ALR MBIs are mapped to the current MBI.
        enrolled = set(con.execute(MONTHS_OF_SPANS.format(
            person="coalesce(x.crnt_num, e.current_bene_mbi_id)", relation="alr.enrollment e",
            join="left join _int_cclf.int_mbi_crosswalk_resolved x on x.prvs_num = e.current_bene_mbi_id")).fetchall())
        eligible = set(con.execute(MONTHS_OF_SPANS.format(
            person="person_id", relation="input_layer.eligibility", join="")).fetchall())
        assert enrolled == eligible
        superseded = con.execute("""select count(*) from input_layer.provider_attribution
                                    where person_id in (select prvs_num from _int_cclf.int_mbi_crosswalk_resolved)""")
        assert superseded.fetchone()[0] == 0
        # Against the generator: attributed persons are the population's current MBIs, and the ALR
        # assigns about 90% of the living beneficiaries in every delivery.
        population = generate_demo(cwd / "expected").population
        current = {b.mbi for b in population.beneficiaries}
        persons = {p for (p,) in con.execute(
            "select distinct person_id from input_layer.provider_attribution").fetchall()}
        enrolled = {m for (m,) in con.execute("select distinct current_bene_mbi_id from alr.enrollment").fetchall()}
        assert persons <= current and 0.8 * len(current) <= len(persons)
        assert enrolled <= current | {b.previous_mbi for b in population.beneficiaries}


MSSP_MARTS = ("beneficiary_expenditure_utilization", "advance_investment_payments", "non_claims_based_payments",
              "quality_beneficiaries", "quality_measure_beneficiaries", "shadow_bundle_claims", "participants",
              "providers_and_suppliers", "beneficiary_exclusions", "excluded_beneficiary_mbi_xref", "report_cells",
              "benchmark_vs_expenditure", "claims_expenditure", "expenditure_reconciliation", "savings_estimate")
TYPES = {"ESRD": "esrd", "Disabled": "disabled", "Aged/dual": "aged_dual", "Aged/non-dual": "aged_non_dual"}


def test_demo_builds_the_mssp_marts_against_the_generator(demo_runs) -> None:
    """dbt/mssp: every mart non-empty; CMS's figures are the generator's, the claims agree with them.

    The demo file is mssp.duckdb, so schema `mssp` is named `mssp.mssp` (catalog.schema) to avoid
    DuckDB's ambiguity between the catalog and the schema.
    """
    cwd, (first, _) = demo_runs
    from demo.synthetic.reports import BENCHMARK_MARKUP, benchmark_figures

    figures = generate_demo(cwd / "expected_mssp").figures
    with duckdb.connect(str(cwd / "data/demo/mssp.duckdb"), read_only=True) as con:
        for mart in MSSP_MARTS:
            assert con.execute(f"select count(*) from mssp.mssp.{mart}").fetchone()[0] > 0, mart
        cms = {(p, t): (x, y) for p, t, x, y in con.execute(
            "select period, enrollment_type, expenditure_per_capita, person_years "
            "from mssp.mssp.benchmark_vs_expenditure").fetchall()}
        for period in ("2024Q1", "2025Q1", "Y2024"):
            for label, (per_capita, person_years) in figures[period].items():
                assert cms[(period, TYPES[label])] == pytest.approx((per_capita, person_years)), (period, label)
        benchmark = dict(con.execute("select enrollment_type, updated_benchmark_per_capita from "
                                     "mssp.mssp.benchmark_vs_expenditure where period = 'Y2024'").fetchall())
        for label, value in benchmark_figures(figures, 2024).items():
            assert benchmark[TYPES[label]] == pytest.approx(value)
        # the claims' own per capita is within 10% of the figures the reports carry (the ALR assigns
        # ~90% of the population and revisions move a few amounts: near 1, not exactly 1)
        ratios = dict(con.execute("select period, ratio from mssp.mssp.expenditure_reconciliation "
                                  "where enrollment_type = 'total' and period in ('2024Q1', 'Y2024', '2025Q1')"
                                  ).fetchall())
        assert ratios.keys() == {"2024Q1", "Y2024", "2025Q1"}
        assert all(0.9 <= r <= 1.1 for r in ratios.values()), ratios
        # PY2024: expenditure = the claims' figure, benchmark = 1.15 x it: savings 1 - 1/1.15 = 13.0%
        # >= the 12.2% MSR of an ACO under 5,000 beneficiaries, so BASIC_E shares half of it
        (rate, met, shared, gross) = con.execute(
            "select savings_rate, is_savings_threshold_met, estimated_shared_savings, gross_savings "
            "from mssp.mssp.savings_estimate where performance_year = 2024").fetchone()
        assert rate == pytest.approx(1 - 1 / BENCHMARK_MARKUP, abs=1e-3) and met
        assert float(shared) == pytest.approx(gross * 0.5, abs=0.01) and shared > 0


def test_demo_downloads_through_the_fake_hub_and_writes_the_report(demo_runs) -> None:
    cwd, (first, second) = demo_runs
    assert "0 failed" in first.stdout and " 0 downloaded" not in first.stdout.split("download:")[1].splitlines()[0]
    assert " 0 needed, 0 downloaded" in second.stdout
    (report_line,) = [line for line in first.stdout.splitlines() if line.startswith("report: ")]
    html = (cwd / report_line.removeprefix("report: ")).read_text()
    assert "Deliveries" in html and "Completeness" in html
    assert "ACO performance" in html and "Shared savings estimate" in html
    dbt_part = html.split('<section id="dbt">', 1)[1].split("</section>", 1)[0]
    assert "No dbt results found." not in dbt_part  # run_results.json reached the report (issue 15.2)
    assert all(f"of {project} at" in dbt_part for project in ("alr", "cclf", "mssp")), dbt_part[:2000]
    warned = [line.split("DBT WARNING: ", 1)[1] for line in first.stdout.splitlines() if "DBT WARNING: " in line]
    assert all(node.split(": ", 1)[1] in dbt_part for node in warned)  # the summary's dbt warnings, named there too
    assert not list((PROJECT_ROOT / "dbt").glob("*/data")) or all(  # nothing written into the code tree
        p.stat().st_mtime < cwd.stat().st_mtime for p in (PROJECT_ROOT / "dbt").glob("*/data"))


def test_second_demo_run_changes_nothing(demo_runs) -> None:
    cwd, (_, second) = demo_runs
    assert second.returncode == 0, second.stderr[-3000:]
    assert "dbt/alr: up to date, not rebuilt" in second.stdout  # resume: nothing owed
    assert "dbt/cclf: up to date, not rebuilt" in second.stdout
    assert "dbt/mssp: up to date, not rebuilt" in second.stdout
    with duckdb.connect(str(cwd / "data/demo/mssp.duckdb"), read_only=True) as con:
        rows = con.execute("""select status, count(*) from mssp_meta.file_loads
                              where run_id = (select run_id from mssp_meta.file_loads order by started_at desc limit 1)
                              group by 1""").fetchall()
    assert dict(rows).keys() == {"unchanged"}


def test_bad_setting_exits_2_naming_the_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSSP_")}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "MSSP_OUTPUT_TYPE": "ORACLE"})
    result = subprocess.run([sys.executable, "-m", "flows.full_run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: MSSP_OUTPUT_TYPE: allowed: DUCKDB, PARQUET, MOTHERDUCK, SNOWFLAKE, BIGQUERY, "
        "DATABRICKS, REDSHIFT, FABRIC"]
