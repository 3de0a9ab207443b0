"""dbt/tuva: the Tuva Project 0.17.x on top of our Input Layer, as a step of the pipeline (issue 17.1).

One pipeline run (``full_run`` with ``run_tuva``) on the demo-sized synthetic ACO: load, build
dbt/alr, dbt/cclf, dbt/mssp, then dbt/tuva offline: the package set vendored in
``shared/vendor/dbt/dbt_packages`` is copied into the build (``MSSP_TUVA_PACKAGES_DIR``, no
``dbt deps``) and Tuva's terminology seeds stay empty (see that folder's README), so only what
does not need terminology is asserted: the core models built, Tuva's input-layer tests pass,
``tuva_core.medical_claim`` carries our claim lines and paid total, and Tuva's member months are
``alr.enrollment``'s enrolled months. Only what those assert is built: ``MSSP_TUVA_SELECT`` is
``+the_tuva_project.core`` (core and everything upstream with their tests, Tuva's input-layer tests
among them: ~740 of Tuva's ~1,280 nodes, no marts). Slow (minutes, most of it dbt's per-node
overhead): the measured times are printed (``-s``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from demo.synthetic import generate_demo

pytestmark = [pytest.mark.dbt, pytest.mark.slow, pytest.mark.timeout(3600)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENDOR = PROJECT_ROOT.parent / "shared" / "vendor" / "dbt" / "dbt_packages"
ACO = "A9999"
TUVA_SELECT = "+the_tuva_project.core"  # what the tests below assert on, and no more
MONTHS_OF_SPANS = """
    select distinct {person} as person_id, strftime(unnest(generate_series(
        date_trunc('month', enrollment_start_date), date_trunc('month', enrollment_end_date),
        interval 1 month)), '%Y%m') as year_month
    from {relation} {join}"""


@dataclass(frozen=True)
class TuvaRun:
    warehouse: Path
    message: str
    completed: bool
    seconds: float
    tuva_results: Path


@pytest.fixture(scope="module")
def tuva_run(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> TuvaRun:
    if not (VENDOR / "tuva" / "dbt_project.yml").is_file():
        pytest.skip(f"the vendored Tuva package set is not at {VENDOR}")
    from flows.full_run import full_run

    root = tmp_path_factory.mktemp("tuva")
    generate_demo(root / "store")
    warehouse = root / "mssp.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MSSP_TUVA_PACKAGES_DIR", str(VENDOR))
        env.setenv("MSSP_TEMP_LOCATION", str(root / "tmp"))
        env.setenv("MSSP_TUVA_SELECT", TUVA_SELECT)
        started = time.perf_counter()
        state = full_run(skip_download=True, run_tuva=True, aco_id=ACO, file_store=str(root / "store"),
                         output_location=str(warehouse), return_state=True)
        seconds = time.perf_counter() - started
    return TuvaRun(warehouse, state.message or "", state.is_completed(), seconds,
                   root / "reports" / "dbt" / "tuva" / "target" / "run_results.json")


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:  # not read_only: the run's connection is still cached in-process
        return con.execute(sql).fetchall()


def test_the_run_completes_with_tuva_built_and_reports_its_time(tuva_run: TuvaRun) -> None:
    assert tuva_run.completed, tuva_run.message
    results = json.loads(tuva_run.tuva_results.read_text())  # the report keeps Tuva's results like ours
    statuses = [r["status"] for r in results["results"]]
    # the selection: ~245 models and 23 seeds succeed (the whole of Tuva: 1,255 nodes; the marts are not built)
    assert statuses.count("success") > 250 and not {"error", "fail"} & set(statuses)
    assert len(statuses) < 1000
    print(f"\npipeline run with Tuva: {tuva_run.seconds:.0f} s; dbt build of dbt/tuva: "
          f"{results['elapsed_time']:.0f} s, {len(statuses)} nodes")
    built = {r["unique_id"].rsplit(".", 1)[1] for r in results["results"] if r["status"] == "success"}
    assert {"core__medical_claim", "core__pharmacy_claim", "core__eligibility", "core__member_months",
            "core__patient"} <= built


def test_tuvas_input_layer_tests_pass(tuva_run: TuvaRun) -> None:
    results = json.loads(tuva_run.tuva_results.read_text())["results"]
    input_layer = [r for r in results if r["unique_id"].startswith("test.")
                   and "input_layer__" in r["unique_id"]]
    assert len(input_layer) > 50  # Tuva's tests on input_layer__medical_claim, pharmacy_claim, eligibility
    failed = [r["unique_id"] for r in input_layer if r["status"] not in ("pass", "warn")]
    assert failed == []


def test_tuvas_medical_claims_are_ours(tuva_run: TuvaRun) -> None:
    totals = "select count(*), round(sum(paid_amount)::double, 2) from {}"
    ours = query(tuva_run.warehouse, totals.format("input_layer.medical_claim"))
    tuva = query(tuva_run.warehouse, totals.format("tuva_core.medical_claim"))
    assert ours[0][0] > 1000 and ours[0][1] > 0
    assert tuva == ours


def test_tuvas_member_months_are_the_alr_enrolled_months(tuva_run: TuvaRun) -> None:
    enrolled = set(query(tuva_run.warehouse, MONTHS_OF_SPANS.format(
        person="coalesce(x.crnt_num, e.current_bene_mbi_id)", relation="alr.enrollment e",
        join="left join _int_cclf.int_mbi_crosswalk_resolved x on x.prvs_num = e.current_bene_mbi_id")))
    member_months = set(query(tuva_run.warehouse,
                              "select distinct person_id, year_month from tuva_core.member_months"))
    assert len(enrolled) > 1000
    assert member_months == enrolled
