"""Shared fixtures: a clean MSSP_* environment, temporary stores and warehouses, one Prefect server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# --hypothesis-profile=long: the ledger state machine (tests/hardening/test_state_machine.py) at length
settings.register_profile("long", max_examples=300, stateful_step_count=40, deadline=None)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MSSP_* setting and no .env leaks into a test from the developer's shell."""
    for key in list(os.environ):
        if key.startswith("MSSP_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


DRAIN_SECONDS = 20


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for every test that runs a flow in-process.

    The harness drains Prefect's log and event workers without a time limit when it stops;
    a worker left pointing at a server another test already stopped would then retry for
    many minutes, so the drain is bounded here.
    """
    from contextlib import ExitStack
    from unittest import mock

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.testing.utilities import prefect_test_harness

    with ExitStack() as harness:
        harness.enter_context(prefect_test_harness(server_startup_timeout=120))
        yield
        drain_events, drain_logs = EventsWorker.drain_all, APILogWorker.drain_all
        with mock.patch.object(EventsWorker, "drain_all",
                               lambda *args, **kwargs: drain_events(timeout=DRAIN_SECONDS)), \
                mock.patch.object(APILogWorker, "drain",
                                  lambda self, at_exit=False: drain_logs(timeout=DRAIN_SECONDS)):
            harness.close()  # the harness stops its server while the bounded drains are in place


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    return root


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "mssp.duckdb"
