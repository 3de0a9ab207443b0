"""The CMS Data Hub client: the ``acoms-cli`` wrapper and its output parsers.

mssp_files.md §5. ``AcomsCli`` runs the command named by ``MSSP_DATAHUB_CLI`` (the real client
or the project's fake, ``demo.fake_datahub``) once per call, each time in a fresh private
working directory (0700) that holds only ``config.txt`` (0600) and is deleted afterwards.
Failures are classified (mssp_files.md §5.3):

    DownloadError                 permanent for one (year, code); other codes go on
    ├── DatahubFatalError         ends the run (never retried)
    │   ├── DatahubAuthError      401 / Unauthorized / missing config.txt / configure failed
    │   └── DatahubAccessError    403 / Forbidden
    TransientError
    └── DatahubTransientError     502/503/504, ECONNRESET/ETIMEDOUT/ECONNREFUSED, timeouts,
                                  needed files that did not arrive

No message carries the client's raw output unredacted, and auth/access messages carry none.
The download state lives in ``tasks.datahub.state``.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from pydantic import SecretStr

from tasks.errors import (
    DatahubAccessError,
    DatahubAuthError,
    DatahubTransientError,
    DownloadError,
)
from tasks.lock import owner_tag

CONFIG_NAME = "config.txt"
DEFAULT_TIMEOUT_SECONDS = 1800.0
DEFAULT_PAUSE_SECONDS = 3.0

T = TypeVar("T")
Failure = Literal["transient", "auth", "access", "permanent"]


@dataclass(frozen=True)
class RemoteFile:
    """One line of ``--view``: the name, the printed size, and the opaque Last Updated."""

    name: str
    size: str
    last_updated: str


@dataclass(frozen=True)
class DatahubCredentials:
    """Either the full ``config.txt`` text, or API key + secret (+ whitelisted IP)."""

    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    whitelisted_ip: str = ""
    config_text: SecretStr | None = None

    def secret_values(self) -> list[str]:
        """Plain values to redact from any relayed client output."""
        values = [s.get_secret_value() for s in (self.api_key, self.api_secret) if s]
        if self.config_text:
            text = self.config_text.get_secret_value()
            values.append(text.strip())
            values += [t for t in re.split(r"[\s\"'=:,{}]+", text) if len(t) >= 6]
        return sorted({v for v in values if v}, key=len, reverse=True)


class DatahubClient(Protocol):
    """What the download flow needs from a Data Hub client."""

    def list_codes(self, aco: str, year: int) -> list[str]: ...

    def view(self, aco: str, year: int, code: str) -> list[RemoteFile]: ...

    def download(
        self, aco: str, year: int, code: str, created_after: dt.date | None, dest: Path
    ) -> list[str]: ...


# --- output parsing (§5.2) ---------------------------------------------------------------

_LIST_HEADING = re.compile(r"List Of Datahub Folders", re.IGNORECASE)
_CODE = re.compile(r"Code\s+(\d+)")
_FOUND = re.compile(r"^\s*Found\s+(\d+)\s+files?\.?\s*$", re.MULTILINE)
_NO_FILES = re.compile(r"^\s*No files found\.?\s*$", re.MULTILINE)
_ITEM = re.compile(r"^\s*(\d+) of (\d+) - (.+?) \(([^()]*)\)\s+Last Updated:\s+(\S+)\s*$")
_STAMP = re.compile(r"\.D(\d{6}|\d{8})\.")


def parse_list(text: str) -> list[str]:
    """File-type codes from ``--list`` output, in listed order; unknown output is an error."""
    heading = _LIST_HEADING.search(text)
    if heading is None:
        raise DownloadError("unexpected Data Hub --list output (no folder listing)")
    codes: list[str] = []
    for line in text[heading.end():].splitlines():
        match = _CODE.search(line)
        if match and match.group(1) not in codes:
            codes.append(match.group(1))
    return codes


def parse_view(text: str) -> list[RemoteFile]:
    """Files from ``--view`` output. Fails closed: only a consistent list or 'No files found'."""
    items = [m for m in map(_ITEM.match, text.splitlines()) if m]
    found = _FOUND.search(text)
    expected = int(found.group(1)) if found else None
    if not items and (_NO_FILES.search(text) or expected == 0):
        return []
    if expected is None:
        raise DownloadError("unexpected Data Hub --view output (no 'Found N files')")
    numbers = [int(m.group(1)) for m in items]
    if numbers != list(range(1, expected + 1)) or any(int(m.group(2)) != expected for m in items):
        raise DownloadError(
            f"unexpected Data Hub --view output ({len(items)} file lines for 'Found {expected}')"
        )
    files = [RemoteFile(m.group(3), m.group(4), m.group(5)) for m in items]
    for f in files:
        if "/" in f.name or "\\" in f.name or f.name.startswith(".") or f.name == CONFIG_NAME:
            raise DownloadError(f"Data Hub listed an unsafe file name: {f.name!r}")
    if len({f.name for f in files}) != len(files):
        raise DownloadError("Data Hub --view listed the same file name twice")
    return files


def creation_date(name: str) -> dt.date | None:
    """The ``D`` stamp of a file name (``Dyymmdd`` or ``Dyyyymmdd``); None if absent/invalid."""
    match = _STAMP.search(name)
    if not match:
        return None
    digits = match.group(1)
    text = f"20{digits}" if len(digits) == 6 else digits
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def created_after(files: Sequence[RemoteFile]) -> dt.date | None:
    """The ``--createdAfter`` date: the oldest stamp, or None when any name has no valid one."""
    dates = [creation_date(f.name) for f in files]
    if not dates or any(d is None for d in dates):
        return None
    return min(d for d in dates if d is not None)


def classify(text: str, timed_out: bool = False) -> Failure:
    """Transient, auth, access or permanent, from the client's error text (§5.3)."""
    if timed_out or re.search(r"\b50[234]\b|ECONNRESET|ETIMEDOUT|ECONNREFUSED", text):
        return "transient"
    if re.search(r"\b401\b|unauthori[sz]ed|authenticat|config\.txt", text, re.IGNORECASE):
        return "auth"
    if re.search(r"\b403\b|forbidden", text, re.IGNORECASE):
        return "access"
    return "permanent"


def redact(text: str, secrets: Sequence[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


# --- the acoms-cli wrapper ---------------------------------------------------------------


class _AcoThrottle:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_call = float("-inf")


_THROTTLES: dict[str, _AcoThrottle] = {}
_THROTTLES_GUARD = threading.Lock()


@contextmanager
def _throttled(aco: str, pause: float) -> Iterator[None]:
    """At most one client call at a time per ACO, ``pause`` seconds apart (process-wide)."""
    with _THROTTLES_GUARD:
        throttle = _THROTTLES.setdefault(aco, _AcoThrottle())
    with throttle.lock:
        wait = throttle.last_call + pause - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            yield
        finally:
            throttle.last_call = time.monotonic()


class AcomsCli:
    """The CMS ``acoms-cli`` client, one subprocess per call."""

    def __init__(
        self,
        command: str,
        credentials: DatahubCredentials,
        *,
        work_root: str | os.PathLike[str],
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        pause: float = DEFAULT_PAUSE_SECONDS,
    ) -> None:
        # each call runs in its own working directory, so a relative path must be made absolute
        self.argv0 = [os.path.abspath(command)] if os.path.isfile(command) else shlex.split(command)
        if not self.argv0:
            raise DownloadError("MSSP_DATAHUB_CLI is empty")
        self.credentials = credentials
        self.work_root = Path(work_root)
        self.timeout = timeout
        self.pause = pause
        self._config: SecretStr | None = credentials.config_text
        self._config_lock = threading.Lock()
        self._secrets = credentials.secret_values()

    def list_codes(self, aco: str, year: int) -> list[str]:
        out = self._call(aco, [f"--aco={aco}", f"--year={year}", "--list"], f"list {aco}/{year}")
        return parse_list(out)

    def view(self, aco: str, year: int, code: str) -> list[RemoteFile]:
        args = [f"--aco={aco}", f"--year={year}", f"--file={code}", "--view"]
        return parse_view(self._call(aco, args, f"view {aco}/{year}/{code}"))

    def download(
        self, aco: str, year: int, code: str, created_after: dt.date | None, dest: Path
    ) -> list[str]:
        """Run ``--download``; move every regular file it wrote (never config.txt) to ``dest``."""
        args = [f"--aco={aco}", f"--year={year}", f"--file={code}", "--download"]
        if created_after is not None:
            args.append(f"--createdAfter={created_after.isoformat()}")
        moved: list[str] = []

        def collect(workdir: Path) -> None:
            for entry in os.scandir(workdir):
                if entry.name == CONFIG_NAME or not entry.is_file(follow_symlinks=False):
                    continue
                shutil.move(entry.path, dest / entry.name)
                moved.append(entry.name)

        self._call(aco, args, f"download {aco}/{year}/{code}", collect)
        return sorted(moved)

    # -- internals --

    def _call(
        self, aco: str, args: list[str], what: str, collect: Callable[[Path], None] | None = None
    ) -> str:
        config = self._config_text(aco)
        with _throttled(aco, self.pause), self._private_dir() as workdir:
            _write_private(workdir / CONFIG_NAME, config)
            code, out, timed_out = self._run(["datahub", *args], workdir)
            if code != 0 or timed_out:
                raise self._error(aco, what, out, timed_out)
            if collect is not None:
                collect(workdir)
            return out

    def _config_text(self, aco: str) -> str:
        """config.txt content: given, or written once by a non-interactive ``configure``."""
        with self._config_lock:
            if self._config is None:
                self._config = SecretStr(self._configure(aco))
            return self._config.get_secret_value()

    def _configure(self, aco: str) -> str:
        creds = self.credentials
        if not (creds.api_key and creds.api_secret):
            raise DatahubAuthError("Data Hub credentials missing (API key and secret)")
        answers = "\n".join(
            [creds.api_key.get_secret_value(), creds.api_secret.get_secret_value(),
             creds.whitelisted_ip, "Y", ""]
        )
        with _throttled(aco, self.pause), self._private_dir() as workdir:
            code, out, timed_out = self._run(["configure"], workdir, stdin=answers, timeout=120)
            config = workdir / CONFIG_NAME
            if code != 0 or timed_out or not config.is_file():
                kind = classify(out, timed_out)
                if kind == "transient":
                    raise self._error(aco, "configure", out, timed_out)
                raise DatahubAuthError(
                    "Data Hub 'acoms-cli configure' did not write config.txt "
                    "(check MSSP_DATAHUB_CLI and the credentials)"
                )
            return config.read_text(encoding="utf-8")

    @contextmanager
    def _private_dir(self) -> Iterator[Path]:
        self.work_root.mkdir(parents=True, exist_ok=True)
        # tagged with this process, so a later run removes it if this one is killed (remove_orphans)
        workdir = Path(tempfile.mkdtemp(prefix=f"acoms-{owner_tag()}-", dir=self.work_root))  # mode 0700
        try:
            os.chmod(workdir, 0o700)
            yield workdir
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _run(
        self, args: list[str], cwd: Path, stdin: str | None = None, timeout: float | None = None
    ) -> tuple[int, str, bool]:
        """(exit code, stderr or else stdout, timed out).

        The client runs in its own process group, which is killed on a timeout and on any
        exception here (KeyboardInterrupt, a cancelled run); on Linux the client also gets
        SIGKILL when this process dies without cleaning up (SIGKILL, OOM).
        """
        proc = subprocess.Popen(
            [*self.argv0, *args], cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent(),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        try:
            out, err = proc.communicate(stdin.encode() if stdin else None, timeout or self.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            timed_out = True
        except BaseException:
            _kill_group(proc)
            proc.wait()
            raise
        stdout = out.decode("utf-8", "replace")
        if proc.returncode != 0 or timed_out:
            stdout = err.decode("utf-8", "replace").strip() or stdout
        return proc.returncode, stdout, timed_out

    def _error(self, aco: str, what: str, out: str, timed_out: bool) -> Exception:
        kind = classify(out, timed_out)
        if kind == "auth":
            return DatahubAuthError(
                f"Data Hub authentication failed for ACO {aco} ({what}): check the credentials "
                "and that CMS whitelisted this machine's public IP"
            )
        if kind == "access":
            return DatahubAccessError(f"Data Hub access denied (403) for ACO {aco} ({what})")
        if timed_out:
            return DatahubTransientError(f"Data Hub {what} timed out after {self.timeout:g}s")
        lines = [line.strip() for line in redact(out, self._secrets).splitlines() if line.strip()]
        detail = (lines[-1] if lines else "no output")[:200]
        cls = DatahubTransientError if kind == "transient" else DownloadError
        return cls(f"Data Hub {what} failed: {detail}")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when its parent dies; None elsewhere.

    ``prctl`` is looked up before the fork, so the child only makes one C call. If the parent
    died before the call took effect, the child exits at once.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return arm


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
