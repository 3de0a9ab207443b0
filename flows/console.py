"""What a person sees: a quiet console for CLI runs, progress lines and progress artifacts.

Prefect logs every task run's start and end to the console; a demo prints hundreds of such
lines. For ``python -m flows.*`` the console shows warnings, errors and the lines marked
``PROGRESS`` ("cclf: 12 of 40 files"), and every log still reaches the Prefect API and UI.
Setting ``PREFECT_LOGGING_LEVEL`` or ``PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL`` (or ``--verbose``)
keeps Prefect's own console output.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from tasks.artifacts import ProgressArtifact, artifact_key

PROGRESS: dict[str, Any] = {"mssp_progress": True}  # logger.info(msg, extra=PROGRESS) reaches the console
__all__ = ["PROGRESS", "Progress", "QuietConsole", "artifact_key", "quiet_console"]
USER_CHOICES = ("PREFECT_LOGGING_LEVEL", "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL")


class QuietConsole(logging.Filter):
    """Let through warnings, errors, progress lines and anything not from Prefect's loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        return (record.levelno >= logging.WARNING or bool(getattr(record, "mssp_progress", False))
                or not record.name.startswith("prefect"))


def quiet_console(verbose: bool = False) -> bool:
    """Filter Prefect's console handlers unless the user asked for Prefect's output; True if filtered."""
    if verbose or any(os.environ.get(name) for name in USER_CHOICES):
        return False
    from prefect.logging.handlers import PrefectConsoleHandler

    handlers = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    for handler in handlers:
        if not any(isinstance(f, QuietConsole) for f in handler.filters):
            handler.addFilter(QuietConsole())
    return bool(handlers)


class Progress:
    """"n of N files" for one family: a log line every tenth of the files and a Prefect progress artifact.

    Works outside a flow run too (no artifact then), so plain-function tests can use it.
    """

    def __init__(self, label: str, total: int, logger: Any, *, key: str | None = None,
                 every: int | None = None) -> None:
        self.label, self.total, self.logger, self.done = label, total, logger, 0
        self.every = every or max(5, total // 10)
        self.artifact = ProgressArtifact(total, key=key, description=f"{label}: files done of {total}")

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.done == self.total or self.done % self.every == 0:
            self.logger.info(f"{self.label}: {self.done} of {self.total} files")  # the UI's log, not the console
            self.artifact.step(self.done - self.artifact.done)
