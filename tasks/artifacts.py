"""Prefect artifact keys and progress artifacts, shared by the flows and the dbt runner.

Keys carry the ACO id so several ACOs on one server keep separate histories. A progress
artifact is best-effort: outside a flow run, or when the API refuses, only the work goes on.
"""

from __future__ import annotations

import re
from uuid import UUID


def artifact_key(aco_id: str | None, name: str) -> str:
    """``mssp-a1234-run-summary``: keys per ACO, in the characters Prefect allows (a-z, 0-9, -)."""
    raw = f"mssp-{aco_id or 'unset'}-{name}".lower()
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", raw)).strip("-")


def in_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


class ProgressArtifact:
    """A Prefect progress artifact counting ``done`` of ``total``; silent when it cannot be written."""

    def __init__(self, total: int, *, key: str | None, description: str) -> None:
        self.total, self.done = total, 0
        self.artifact_id: UUID | None = None
        if total and in_run():
            try:
                from prefect.artifacts import create_progress_artifact

                # sync call: Prefect's sync/async dual typing also admits a coroutine
                self.artifact_id = create_progress_artifact(  # type: ignore[assignment]
                    0.0, key=key, description=description)
            except Exception:  # no flow run context or the API refused: work goes on without it
                self.artifact_id = None

    def step(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if self.artifact_id is None:
            return
        try:
            from prefect.artifacts import update_progress_artifact

            update_progress_artifact(self.artifact_id, 100.0 * self.done / self.total)
        except Exception:
            self.artifact_id = None

    def finish(self) -> None:
        self.step(self.total - self.done)
