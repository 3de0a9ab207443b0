"""The pipeline's exception tree.

    MsspError
    ├── ConfigError        bad setting: exit 2, the message names the setting
    ├── LockError          another run holds the output lock
    ├── FileRejected       one file cannot be placed or read: recorded, the run goes on
    ├── TransientError     worth retrying (network, 5xx, timeouts)
    │   └── DatahubTransientError   502/503/504, resets, timeouts, files that did not arrive
    ├── DownloadError      a Data Hub call failed for good for one (year, code)
    │   └── DatahubFatalError       ends the run, never retried
    │       ├── DatahubAuthError    401 / missing config.txt / configure failed
    │       └── DatahubAccessError  403
    └── LoadError          writing a file's rows or its ledger row failed
"""

from __future__ import annotations


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


class TransientError(MsspError):
    pass


class DownloadError(MsspError):
    pass


class LoadError(MsspError):
    def __init__(self, file_path: str, reason: str) -> None:
        super().__init__(f"{file_path}: {reason}")
        self.file_path = file_path
        self.reason = reason


class DatahubFatalError(DownloadError):
    """Authentication or access failure: the run ends, nothing is retried."""


class DatahubAuthError(DatahubFatalError):
    pass


class DatahubAccessError(DatahubFatalError):
    pass


class DatahubTransientError(TransientError):
    pass
