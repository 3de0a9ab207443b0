"""The pipeline's exception tree: every error raised on purpose, in one place.

    MsspError
    ├── ConfigError        bad setting: exit 2, the message names the setting (``.setting``)
    ├── LockError          another run holds the output lock or the download-state lock
    ├── FileRejected       one file cannot be placed or read: recorded, the run goes on
    ├── StampError         a file name's ``.Dyymmdd.`` stamp is not a date (also a ValueError)
    ├── TransientError     worth retrying (network, 5xx, timeouts)
    │   └── DatahubTransientError   502/503/504, resets, timeouts, files that did not arrive
    ├── DownloadError      a Data Hub call failed for good for one (year, code)
    │   └── DatahubFatalError       ends the run, never retried
    │       ├── DatahubAuthError    401 / missing config.txt / configure failed
    │       └── DatahubAccessError  403
    ├── LoadError          writing a file's rows or its ledger row failed, or its record count
    │                      does not add up (``.file_path``, ``.reason``)
    └── DbtBuildFailed     a dbt build finished with failed nodes (``.project``, ``.failed_nodes``)

Callers catch the base class they need and decide by type, never by message text (an exit
status maps from the class: ``ConfigError`` -> 2, the rest of ``MsspError`` -> 1).
"""

from __future__ import annotations

from collections.abc import Sequence


class MsspError(Exception):
    """Base class of every error the pipeline raises on purpose."""


class ConfigError(MsspError):
    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


class LockError(MsspError):
    pass


class FileRejected(MsspError):
    def __init__(self, file_path: str, reason: str) -> None:
        super().__init__(f"{file_path}: {reason}")
        self.file_path = file_path
        self.reason = reason


class StampError(MsspError, ValueError):
    """A malformed or impossible ``.D<date>.`` stamp (a ValueError too, as it always was)."""


class TransientError(MsspError):
    pass


class DownloadError(MsspError):
    pass


class LoadError(MsspError):
    def __init__(self, file_path: str, reason: str) -> None:
        super().__init__(f"{file_path}: {reason}")
        self.file_path = file_path
        self.reason = reason


class DbtBuildFailed(MsspError):
    """A dbt build finished with failed nodes (or could not run at all)."""

    def __init__(self, project: str, failed_nodes: Sequence[str], message: str | None) -> None:
        names = ", ".join(failed_nodes) or "no node ran"
        super().__init__(f"dbt build of {project} failed: {names}" + (f" ({message})" if message else ""))
        self.project = project
        self.failed_nodes = tuple(failed_nodes)


class DatahubFatalError(DownloadError):
    """Authentication or access failure: the run ends, nothing is retried."""


class DatahubAuthError(DatahubFatalError):
    pass


class DatahubAccessError(DatahubFatalError):
    pass


class DatahubTransientError(TransientError):
    pass
