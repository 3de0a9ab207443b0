"""A fake CMS ``acoms-cli`` for tests and ``--demo`` (mssp_files.md §5.8).

Run as ``python -m demo.fake_datahub <argv>`` or through the wrapper script that
``install_fake_cli`` writes. Same argv grammar, outputs, exit codes and ``./config.txt``
requirement as the real client; serves a directory laid out ``{ACO}/{YEAR}/{CODE}/{file}``.
Standard library only. Configuration and failure injection come from the environment:

    FAKE_DATAHUB_ROOT           the served directory (required)
    FAKE_DATAHUB_API_KEY/_SECRET  credentials config.txt must hold (unset: any)
    FAKE_DATAHUB_FAIL_AUTH=1    every call fails with 401 on stderr, exit 1
    FAKE_DATAHUB_FORBIDDEN      comma list of ACOs answered with 403
    FAKE_DATAHUB_FAIL_DOWNLOADS=N  the first N --download calls fail ...
    FAKE_DATAHUB_FAIL_KIND      ... with 502 (default), ECONNRESET or ETIMEDOUT
    FAKE_DATAHUB_FAIL_PARTIAL=1 ... leaving a truncated copy of the first file behind
    FAKE_DATAHUB_COUNTER        file counting --download calls (default {root}/.fake-datahub-calls)
    FAKE_DATAHUB_LATENCY        seconds to sleep in every call
    FAKE_DATAHUB_REQUIRE_PRIVATE=1  fail unless cwd is 0700 and config.txt 0600
    FAKE_DATAHUB_CALL_LOG       append one line per call (the argv, never config.txt)

It never prints config.txt content.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import sys
import time
from pathlib import Path

BANNER = "ACO-MS CLI (fake) - ACO Management System Data Hub client"
TITLES = {
    "113": ("Claim and Claim Line Feed (CCLF) Files", "Claim and Claim Line Feed (CCLF) Files"),
    "305": ("Claim and Claim Line Feed (CCLF) Files", "Weekly Claim and Claim Line Feed Files"),
    "114": ("Monthly Exclusion Files", "Beneficiary Exclusion File"),
    "183": ("Monthly Exclusion Files", "Excluded Beneficiary MBI Cross Reference"),
    "244": ("Shadow Bundles Data Files", "Shadow Bundles Monthly Data"),
    "273": ("PC Flex Reports", "PC Flex Monthly Report"),
}
DEFAULT_TITLE = ("Reports", "Report")
_ARG = re.compile(r"^--([A-Za-z]+)(?:=(.*))?$")
_STAMP = re.compile(r"\.D(\d{6}|\d{8})\.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ
    _log_call(argv)
    if env.get("FAKE_DATAHUB_LATENCY"):
        time.sleep(float(env["FAKE_DATAHUB_LATENCY"]))
    if argv[:1] == ["configure"]:
        return _configure()
    if argv[:1] != ["datahub"]:
        return _fail("Usage: acoms-cli <configure|datahub> [options]")
    opts: dict[str, str] = {}
    for arg in argv[1:]:
        match = _ARG.match(arg)
        if not match:
            return _fail(f"Unknown argument: {arg}")
        opts[match.group(1)] = match.group(2) or ""
    problem = _check_config()
    if problem:
        return _fail(problem)
    print(BANNER)
    aco, year = opts.get("aco", ""), opts.get("year", "")
    if not re.fullmatch(r"[A-Z]\d{4}", aco) or not re.fullmatch(r"\d{4}", year):
        return _fail("Error: --aco and --year are required")
    if aco in {a.strip() for a in env.get("FAKE_DATAHUB_FORBIDDEN", "").split(",")}:
        return _fail(f"Error: Request failed with status code 403 (Forbidden) for {aco}")
    base = Path(env["FAKE_DATAHUB_ROOT"]) / aco / year
    if "list" in opts:
        return _list(base)
    code = opts.get("file", "")
    if not re.fullmatch(r"\d+", code):
        return _fail("Error: --file=<code> is required")
    if "view" in opts:
        return _view(base / code)
    if "download" in opts:
        return _download(base / code, opts.get("createdAfter"))
    return _fail("Error: one of --list, --view, --download is required")


def _configure() -> int:
    answers = []
    for prompt in ("API Key: ", "API Secret: ", "Whitelisted IP (optional): ", "Save? [Y/n] "):
        sys.stdout.write(prompt)
        sys.stdout.flush()
        answers.append(sys.stdin.readline().rstrip("\r\n"))
    key, secret, ip, confirm = answers
    if confirm.strip().lower() not in ("", "y", "yes"):
        print("\nAborted.")
        return 1
    if not key or not secret:
        return _fail("\nError: API key and secret are required")
    text = json.dumps({"apiKey": key, "apiSecret": secret, "whitelistedIp": ip})
    fd = os.open("config.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    print("\nConfiguration saved to config.txt")
    return 0


def _check_config() -> str | None:
    env = os.environ
    config = Path("config.txt")
    if not config.is_file():
        return "Error: config.txt not found. Run 'acoms-cli configure' first."
    if env.get("FAKE_DATAHUB_REQUIRE_PRIVATE") == "1":
        if stat.S_IMODE(os.stat(".").st_mode) != 0o700:
            return "Error: working directory is not private (0700)"
        if stat.S_IMODE(config.stat().st_mode) != 0o600:
            return "Error: config.txt is not private (0600)"
    if env.get("FAKE_DATAHUB_FAIL_AUTH") == "1":
        return "Error: Request failed with status code 401 (Unauthorized)"
    expected = (env.get("FAKE_DATAHUB_API_KEY"), env.get("FAKE_DATAHUB_API_SECRET"))
    if any(expected):
        try:
            data = json.loads(config.read_text())
            given = (data.get("apiKey"), data.get("apiSecret"))
        except ValueError:
            given = (None, None)
        if given != expected:
            return "Error: Request failed with status code 401 (Unauthorized)"
    return None


def _list(base: Path) -> int:
    print("List Of Datahub Folders & File Types :")
    codes = sorted((p.name for p in base.iterdir() if p.is_dir() and p.name.isdigit()), key=int) \
        if base.is_dir() else []
    folders: dict[str, list[str]] = {}
    for code in codes:
        folder, title = TITLES.get(code, DEFAULT_TITLE)
        folders.setdefault(folder, []).append(f"-----{title}, Code {code}")
    for folder, lines in folders.items():
        print(folder)
        print("\n".join(lines))
    return _close()


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _last_updated(path: Path) -> str:
    moment = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _human(size: int) -> str:
    value, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.2f} {unit}"


def _view(folder: Path) -> int:
    files = _files(folder)
    if not files:
        print(" No files found.")
        return _close()
    print(f" Found {len(files)} files.")
    print(" List of Files")
    for i, path in enumerate(files, 1):
        size = _human(path.stat().st_size)
        print(f" {i} of {len(files)} - {path.name} ({size}) Last Updated: {_last_updated(path)}")
    return _close()


def _created(path: Path) -> dt.date:
    match = _STAMP.search(path.name)
    if match:
        digits = match.group(1)
        text = f"20{digits}" if len(digits) == 6 else digits
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()


def _download(folder: Path, created_after: str | None) -> int:
    files = _files(folder)
    if created_after:
        try:
            since = dt.date.fromisoformat(created_after)
        except ValueError:
            return _fail(f"Error: invalid --createdAfter {created_after}")
        files = [p for p in files if _created(p) >= since]
    if _next_download_fails():
        kind = os.environ.get("FAKE_DATAHUB_FAIL_KIND", "502")
        if os.environ.get("FAKE_DATAHUB_FAIL_PARTIAL") == "1" and files:
            data = files[0].read_bytes()
            Path(files[0].name).write_bytes(data[: max(1, len(data) // 2)])
        if kind == "502":
            return _fail("Error: Request failed with status code 502 (Bad Gateway)")
        return _fail(f"Error: read {kind}")
    print(f" Downloading {len(files)} files.")
    for path in files:
        shutil.copyfile(path, path.name)
        print(f" Downloaded {path.name}")
    return _close()


def _next_download_fails() -> bool:
    limit = int(os.environ.get("FAKE_DATAHUB_FAIL_DOWNLOADS", "0") or 0)
    if limit <= 0:
        return False
    default = Path(os.environ["FAKE_DATAHUB_ROOT"]) / ".fake-datahub-calls"
    counter = Path(os.environ.get("FAKE_DATAHUB_COUNTER") or default)
    with open(counter, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        done = int(handle.read().strip() or 0)
        handle.seek(0)
        handle.truncate()
        handle.write(str(done + 1))
    return done < limit


def _log_call(argv: list[str]) -> None:
    path = os.environ.get("FAKE_DATAHUB_CALL_LOG")
    if path:
        with open(path, "a") as handle:
            handle.write(" ".join(argv) + "\n")


def _close() -> int:
    print("Session closed, lasted about 0.1s.")
    return 0


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def install_fake_cli(
    served: str | os.PathLike[str], script_dir: str | os.PathLike[str],
    env: dict[str, str] | None = None,
) -> str:
    """Write an executable ``acoms-cli`` wrapper serving ``served``; return its path.

    Put the path in ``MSSP_DATAHUB_CLI``. ``env`` adds ``FAKE_DATAHUB_*`` settings.
    """
    repo = Path(__file__).resolve().parent.parent
    settings = {"FAKE_DATAHUB_ROOT": str(Path(served).resolve()), **(env or {})}
    lines = ["#!/bin/sh"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in settings.items()]
    lines.append(f'export PYTHONPATH={shlex.quote(str(repo))}"${{PYTHONPATH:+:$PYTHONPATH}}"')
    lines.append(f'exec {shlex.quote(sys.executable)} -m demo.fake_datahub "$@"')
    script = Path(script_dir) / "acoms-cli"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return str(script)


DEMO_API_KEY = "demo-api-key"
DEMO_API_SECRET = "demo-api-secret"


def demo_settings(served: str | os.PathLike[str], script_dir: str | os.PathLike[str]) -> dict:
    """Settings overrides that point the pipeline at a fake hub serving ``served``."""
    env = {"FAKE_DATAHUB_API_KEY": DEMO_API_KEY, "FAKE_DATAHUB_API_SECRET": DEMO_API_SECRET}
    return {
        "datahub_cli": install_fake_cli(served, script_dir, env),
        "datahub_api_key": DEMO_API_KEY,
        "datahub_api_secret": DEMO_API_SECRET,
    }


if __name__ == "__main__":
    sys.exit(main())
