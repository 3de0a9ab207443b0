"""Every shell command in README.md and docs/*.md runs as written, or says here why it does not.

Convention: an HTML comment on the line before a ```bash block marks it runnable.

    <!-- runnable -->                          run in a fresh copy of the project, no server
    <!-- runnable: prefect-server -->          run against a throwaway `prefect server start`
    <!-- runnable: prefect-server deployed --> the same server, after the other server blocks

Each command runs through ``bash -c`` exactly as printed (``uv run`` included: uv is pointed at
this test's environment and told not to sync) and must exit 0. A command in an unmarked block
must either also appear in a marked block or be listed in ``EXCLUDED`` with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

DOCS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
MARK = re.compile(r"<!--\s*runnable(?::\s*(?P<mode>[\w -]+?))?\s*-->")
FENCE = re.compile(r"^\s*```(?P<lang>\w*)\s*$")
SHELLS = {"bash", "sh", "shell", "console"}

EXCLUDED = {
    "pip install uv && uv run python -m flows.full_run --demo":
        "the demo takes minutes: tests/e2e/test_demo.py runs `python -m flows.full_run --demo` in a fresh folder",
    "uv run pytest": "the test suite itself",
    "uv run prefect server start --host 0.0.0.0 --port 4200":
        "a long-running server: this test starts its own the same way (tests/integration/prefect_server.py)",
    "uv run prefect config set PREFECT_API_URL=http://<server-host>:4200/api":
        "a placeholder host, and it would change the user's Prefect profile; this test sets PREFECT_API_URL",
    "uv run prefect worker start --pool mssp-process":
        "runs until stopped: tests/integration/test_deployments.py runs the worker with --run-once",
    "uv run prefect cloud login": "needs a Prefect Cloud account",
    "uv sync --frozen --no-dev": "would remove the test tools from this environment: test_install_* dry-runs it",
    "uv sync --frozen --no-dev --extra snowflake":
        "would change this environment: test_install_* dry-runs it",
    "uv run python -m flows.report": "needs a loaded warehouse: tests/integration/test_report_flow.py runs this CLI",
    "uv run python -m flows.report --output-location data/mssp.duckdb --out report.html --dbt-results "
    "dbt/alr/target/run_results.json dbt/cclf/target/run_results.json":
        "needs a loaded warehouse and dbt results: tests/integration/test_report_flow.py",
    "uv run python -m flows.report --dbt-results": "needs a loaded warehouse: tests/integration/test_report_flow.py",
}
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "data", "target", "logs", "dbt_packages", "__pycache__",
                                     ".pytest_cache", ".ruff_cache", ".mypy_cache", "*.duckdb", "*.duckdb.wal",
                                     ".env", "reports")


@dataclass(frozen=True)
class Command:
    text: str  # as printed (continuations joined), trailing comment kept
    mode: str | None  # None: unmarked; "", "prefect-server", "prefect-server deployed"
    where: str

    @property
    def key(self) -> str:
        return " ".join(re.sub(r"\s+#.*$", "", self.text).split())


def documented_commands() -> list[Command]:
    out = []
    for path in DOCS:
        lines = path.read_text().splitlines()
        i, last_text = 0, ""
        while i < len(lines):
            fence = FENCE.match(lines[i])
            if not fence:
                if lines[i].strip():
                    last_text = lines[i]
                i += 1
                continue
            mark = MARK.search(last_text)
            body, i = [], i + 1
            while i < len(lines) and not FENCE.match(lines[i]):
                body.append(lines[i])
                i += 1
            i += 1
            last_text = ""
            if fence["lang"] not in SHELLS:
                continue
            mode = (mark["mode"] or "").strip() if mark else None
            joined = "\n".join(body).replace("\\\n", " ")
            for line in joined.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    out.append(Command(line.strip(), mode, f"{path.relative_to(PROJECT_ROOT)}"))
    return out


COMMANDS = documented_commands()


def test_every_command_is_run_or_excluded_with_a_reason() -> None:
    run = {c.key for c in COMMANDS if c.mode is not None and c.key not in EXCLUDED}
    orphans = [f"{c.where}: {c.key}" for c in COMMANDS
               if c.mode is None and c.key not in run and c.key not in EXCLUDED]
    assert orphans == [], "mark the block <!-- runnable... --> or add the command to EXCLUDED with a reason"
    stale = sorted(set(EXCLUDED) - {c.key for c in COMMANDS})
    assert stale == [], "EXCLUDED names commands the docs no longer show"
    assert len(run) >= 8


def test_the_parser_sees_the_marked_blocks() -> None:
    modes = {c.mode for c in COMMANDS}
    assert {None, "", "prefect-server", "prefect-server deployed"} <= modes
    keys = {c.key for c in COMMANDS}
    assert "uv run python -m prefect block register -m blocks" in keys
    assert "uv run prefect block register -m blocks" not in keys  # the bare command cannot import blocks


def _env(home: Path, project: Path, api_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_", "UV_", "VIRTUAL_ENV"))}
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PWD": str(project),
                "PREFECT_CLI_WRAP_LINES": "false", "UV_PROJECT_ENVIRONMENT": sys.prefix, "UV_NO_SYNC": "1",
                "UV_OFFLINE": "1", "PREFECT_API_URL": api_url or "http://127.0.0.1:9/api"})
    return env


def _run(command: Command, project: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["bash", "-c", command.text], cwd=project, env=env, capture_output=True, text=True,
                            timeout=600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (f"{command.where}: `{command.text}` exited {result.returncode}:\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("uv") is None:
        pytest.fail("uv is not on PATH: the documented commands are `uv run ...`")
    return Path(shutil.copytree(PROJECT_ROOT, tmp_path_factory.mktemp("docs") / "project", ignore=COPY_IGNORE))


@pytest.mark.slow
def test_runnable_commands_without_a_server(project: Path, tmp_path: Path) -> None:
    commands = [c for c in COMMANDS if c.mode == "" and c.key not in EXCLUDED]
    assert commands
    for command in commands:
        _run(command, project, _env(tmp_path / "prefect-home", project, None))


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_runnable_commands_against_a_prefect_server(project: Path, tmp_path: Path) -> None:
    from tests.integration.prefect_server import prefect_server

    setup = [c for c in COMMANDS if c.mode == "prefect-server" and c.key not in EXCLUDED]
    after = [c for c in COMMANDS if c.mode == "prefect-server deployed" and c.key not in EXCLUDED]
    assert setup and after
    with prefect_server(tmp_path / "server-home") as server:
        env = _env(tmp_path / "cli-home", project, server["PREFECT_API_URL"])
        outputs = [_run(c, project, env) for c in setup + after]
    joined = "\n".join(r.stdout for r in outputs)
    assert "MSSP Pipeline Profile" in joined  # the block type really was registered
    assert joined.count("Created flow run") >= len(after)


def test_install_keeps_test_tools_in_the_dev_group() -> None:
    import tomllib

    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    runtime = " ".join(pyproject["project"]["dependencies"]).lower()
    dev = " ".join(pyproject["dependency-groups"]["dev"]).lower()
    for tool in ("moto", "fakesnow", "gcp-storage-emulator", "ruff", "deltalake", "hypothesis", "pytest"):
        assert tool not in runtime, f"{tool} is a test tool: keep it out of [project].dependencies"
        assert tool in dev, f"{tool} belongs in the dev dependency group"


@pytest.mark.slow
def test_install_no_dev_leaves_the_test_tools_out(tmp_path: Path) -> None:
    """`uv sync --frozen --no-dev` (the README's production install), as a dry run on this environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env.update({"UV_PROJECT_ENVIRONMENT": sys.prefix, "UV_OFFLINE": "1"})
    for extra in ([], ["--extra", "snowflake"]):
        result = subprocess.run(["uv", "sync", "--frozen", "--no-dev", *extra, "--dry-run"], cwd=PROJECT_ROOT,
                                env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        removed = {line.split("==")[0].strip(" -") for line in result.stderr.splitlines() if line.startswith(" - ")}
        assert {"moto", "fakesnow", "gcp-storage-emulator", "ruff", "hypothesis", "pytest"} <= removed
        assert "prefect" not in removed and "duckdb" not in removed
        if extra:
            assert "dbt-snowflake" not in removed and "snowflake-connector-python" not in removed
