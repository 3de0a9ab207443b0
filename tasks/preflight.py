"""Preflight: the setup checks a run makes before any work (and ``python -m flows.full_run --check``).

Plain functions, no Prefect: ``main()`` runs them before a server starts and exits 2 with one
line for the first problem; the flow body runs them again for deployments (where a profile
block or flow parameters supply settings) and ends ``Failed`` with the same line. Each check
names the setting it is about; a setting given by a command-line flag is shown as the flag.

    checks = check_settings(overrides, demo=False, downloading=True)
    problems = [c for c in checks if c.problem]
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tasks.errors import ConfigError
from tasks.settings import Settings, known_names, load_settings, setting_name, unknown_names

CLI_SOURCE = ("CMS's ACO-MS CLI comes from the ACO-MS Data Hub portal (its CLI download page); "
              "install it and set MSSP_DATAHUB_CLI (or MSSP_CLI_PATH) to its path, or use --skip-download")


@dataclass(frozen=True)
class Check:
    """One check: the setting it is about, and what was found (``problem``) or seen (``detail``)."""

    setting: str  # MSSP_* name (or a flag) the check is about
    detail: str = ""
    problem: str = ""
    warning: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self, labels: Mapping[str, str] | None = None) -> str:
        label = (labels or {}).get(self.setting, self.setting)
        return f"{label}: {self.problem or self.detail}"


def check_settings(overrides: Mapping[str, object], *, demo: bool = False, downloading: bool = True,
                   environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env"),
                   defer_block: bool = False) -> tuple[Settings | None, list[Check]]:
    """Every check, in the order a person would fix them; settings are None when they do not parse.

    ``demo``: the demo supplies the ACO id, locations and a fake Data Hub client, but the
    environment's own ``MSSP_*`` values must still be valid. ``defer_block``: settings come in
    part from a profile block read later, so only what is already known is checked.
    """
    env = os.environ if environ is None else environ
    checks = [Check(name, problem="", detail=_unknown_hint(name), warning=True)
              for name in unknown_names(env, dotenv)]
    try:
        if demo:
            load_settings()  # the environment alone: a bad MSSP_* value fails the demo as a flag would
        settings = load_settings(**overrides)
    except ConfigError as exc:
        return None, [*checks, Check(exc.setting, problem=str(exc).split(": ", 1)[1])]
    checks.append(Check("settings", detail="every MSSP_* value parses"))
    if defer_block:
        return settings, checks
    checks += run_checks(settings, demo=demo, downloading=downloading and settings.download_mode != "skip")
    return settings, checks


def run_checks(settings: Settings, *, demo: bool = False, downloading: bool = True) -> list[Check]:
    """The checks on parsed settings: ACO id, store, output, temp space, Data Hub client and credentials."""
    checks = [_aco(settings, demo), _store(settings, downloading), _output(settings), _temp(settings)]
    if downloading and not demo:
        checks += [_client(settings), _credentials(settings)]
    return checks


def first_problem(checks: list[Check], labels: Mapping[str, str] | None = None) -> str | None:
    """The one line ``main`` prints for bad setup, or None when every check passed."""
    problems = [c for c in checks if c.problem]
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more: python -m flows.full_run --check)" if len(problems) > 1 else ""
    return problems[0].line(labels) + more


def render(checks: list[Check], labels: Mapping[str, str] | None = None) -> str:
    """``--check`` output: one line per check, ``ok`` / ``warning`` / ``problem`` first."""
    return "\n".join(f"{'problem' if c.problem else 'warning' if c.warning else 'ok':<8} {c.line(labels)}"
                     for c in checks)


def _unknown_hint(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(known_names()), n=1)
    return "unknown setting, ignored" + (f" (did you mean {close[0]}?)" if close else "")


def _aco(settings: Settings, demo: bool) -> Check:
    name = setting_name("aco_id")
    if settings.aco_id:
        return Check(name, detail=settings.aco_id)
    if demo:
        return Check(name, detail="demo ACO")
    return Check(name, problem="required for a real run (e.g. MSSP_ACO_ID=A1234 or --aco-id A1234; "
                               "--demo needs none)")


def _is_url(location: str) -> bool:
    return "://" in location or location.startswith("md:")


def _creatable(folder: Path) -> str:
    """'' when ``folder`` exists writable or can be made; else the reason it cannot."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return ""


def _store(settings: Settings, downloading: bool) -> Check:
    name, location = setting_name("file_store"), settings.file_store
    if _is_url(location):
        return Check(name, detail=f"{location} (cloud store: opened when the run starts)")
    path = Path(location)
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            return Check(name, problem=f"{location} is not readable")
        return Check(name, detail=f"{location} exists")
    if path.exists():
        return Check(name, problem=f"{location} is not a folder")
    if downloading:
        reason = _creatable(path)
        return Check(name, problem=f"{location} cannot be created: {reason}") if reason else \
            Check(name, detail=f"{location} will be created by the download")
    return Check(name, problem=f"{location} does not exist (nothing to load; set MSSP_FILE_STORE or --file-store, "
                               "or download first)")


def _output(settings: Settings) -> Check:
    name, location = setting_name("output_location"), settings.output_location
    if _is_url(location):
        return Check(name, detail=f"{location} (remote: opened when the run starts)")
    path = Path(location)
    folder = path if settings.output_type == "PARQUET" else path.parent
    if settings.output_type == "DUCKDB" and path.is_dir():
        return Check(name, problem=f"{location} is a folder; a DuckDB output is a file, e.g. {path / 'mssp.duckdb'}")
    reason = _creatable(folder)
    if reason:
        return Check(name, problem=f"folder {folder} cannot be created or written: {reason}")
    store = settings.file_store
    if not _is_url(store) and _inside(path, Path(store)):
        return Check(name, problem=f"{location} lies inside the file store {store}; every run would catalog "
                                   "(and reject) its own output files: put it outside MSSP_FILE_STORE")
    return Check(name, detail=f"{location} ({settings.output_type})")


def _temp(settings: Settings) -> Check:
    name, location = setting_name("temp_location"), settings.temp_location
    path = Path(location)
    if path.exists() and not path.is_dir():
        return Check(name, problem=f"{location} is not a folder")
    reason = _creatable(path)
    return Check(name, problem=f"{location} is not writable: {reason}") if reason else Check(name, detail=location)


def _client(settings: Settings) -> Check:
    name, cli = setting_name("datahub_cli"), settings.datahub_cli
    found = shutil.which(cli)
    if found:
        return Check(name, detail=found)
    return Check(name, problem=f"Data Hub client {cli!r} not found or not executable; {CLI_SOURCE}")


def _credentials(settings: Settings) -> Check:
    if settings.datahub_secret_block:
        return Check(setting_name("datahub_secret_block"),
                     detail=f"Secret block {settings.datahub_secret_block!r} (read when the download starts)")
    if settings.datahub_api_key and settings.datahub_api_secret:
        return Check(setting_name("datahub_api_key"), detail="API key and secret set (not shown)")
    missing = setting_name("datahub_api_secret") if settings.datahub_api_key else setting_name("datahub_api_key")
    return Check(missing, problem="Data Hub credentials missing: set MSSP_DATAHUB_SECRET_BLOCK (a Prefect Secret), "
                                  "or MSSP_DATAHUB_API_KEY and MSSP_DATAHUB_API_SECRET; or use --skip-download")


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except OSError:
        return False
