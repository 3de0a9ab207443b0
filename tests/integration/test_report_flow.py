"""The ``report`` flow and its CLI against a Prefect test server: HTML path and artifacts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.report import main, report

try:
    from tests.integration.report_fixtures import CANARIES, make_warehouse, write_run_results
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from report_fixtures import CANARIES, make_warehouse, write_run_results

pytestmark = pytest.mark.slow
KEYS = [
    "mssp-report-deliveries",
    "mssp-report-completeness",
    "mssp-report-trends",
    "mssp-report-dbt",
]


async def _artifacts() -> dict[str, str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=KEYS))
        )
    return {a.key: str(a.data) for a in found}


def test_flow_writes_html_and_artifacts(prefect_server: None, tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "mssp.duckdb").path
    results = write_run_results(tmp_path / "run_results.json")
    out = tmp_path / "report.html"
    html_path = report(str(warehouse), str(out), [str(results)])
    assert html_path == str(out) and out.is_file()
    artifacts = asyncio.run(_artifacts())
    assert sorted(artifacts) == sorted(KEYS)
    assert "cclf" in artifacts["mssp-report-deliveries"]
    assert "<11" in artifacts["mssp-report-trends"]
    for text in artifacts.values():
        assert not any(canary in text for canary in CANARIES)


def test_cli_default_out_and_bad_location(
    prefect_server: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = make_warehouse(tmp_path / "mssp.duckdb", with_dbt=False).path
    assert main(["--output-location", str(warehouse), "--dbt-results"]) == 0
    printed = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed.parent == tmp_path / "reports" and printed.name.startswith("mssp_report_")
    assert "No dbt results found." in printed.read_text()
    assert main(["--output-location", str(tmp_path / "missing.duckdb")]) == 2
    assert "--output-location" in capsys.readouterr().err


def test_section_artifacts_are_keyed_per_aco_when_the_aco_is_known(prefect_server: None, tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "mssp.duckdb", with_dbt=False).path
    report(str(warehouse), str(tmp_path / "report.html"), [], aco_id="A1234")

    async def keyed() -> list[str]:
        async with get_client() as client:
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["mssp-a1234-report-deliveries", "mssp-a1234-report-trends"])))
        return sorted({a.key for a in found})

    assert asyncio.run(keyed()) == ["mssp-a1234-report-deliveries", "mssp-a1234-report-trends"]
