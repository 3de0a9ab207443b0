"""Safe, streaming access to zip containers (CMS bundles, zips inside zips).

A container is any file whose first bytes are a zip signature, whatever its name. Members
are streamed; a zip nested inside a zip is spooled to a temporary file (zipfile needs to
seek), never the whole tree at once. Unsafe members are refused with a reason.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tasks.spool import spooled_copy

UNREADABLE = (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError)
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
MAX_NESTING = 3
SPOOL_IN_MEMORY = 32 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    """One file inside a container, or the reason it is refused."""

    path: tuple[str, ...]  # chain of member names from the outermost container
    size: int
    refused: str | None = None
    fingerprint: str | None = None  # CRC-32 and sizes from the zip directory: free to read


def looks_like_zip(head: bytes) -> bool:
    return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


def is_container(name: str, head: bytes) -> bool:
    """A zip that holds files, not an Office workbook (which is a zip too, read as data)."""
    return looks_like_zip(head) and not name.lower().endswith((".xlsx", ".xlsm"))


def refusal(info: zipfile.ZipInfo, max_ratio: int) -> str | None:
    """Why a member must not be read (unsafe path, link, or a bomb), else None."""
    name = info.filename
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"unsafe member path (absolute): {name}"
    if ".." in name.replace("\\", "/").split("/"):
        return f"unsafe member path (..): {name}"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"unsafe member (link): {name}"
    if info.file_size > max_ratio * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
        return (
            f"member {name} expands {info.file_size} bytes from {info.compress_size} "
            f"(over {max_ratio}x)"
        )
    return None


def _spool(source: IO[bytes], temp_dir: Path) -> IO[bytes]:
    return spooled_copy(source, temp_dir, max_memory=SPOOL_IN_MEMORY)


def iter_members(
    outer: IO[bytes], temp_dir: Path, max_ratio: int, prefix: tuple[str, ...] = (), depth: int = 1
) -> Iterator[Member]:
    """Every data member of a zip (recursing into nested zips), folders skipped.

    Members sharing a name are all refused: a reader opening by name sees only the last one.

    Raises ``zipfile.BadZipFile`` (or OSError) when the container itself cannot be read.
    """
    with zipfile.ZipFile(outer) as archive:
        names = Counter(info.filename for info in archive.infolist())
        for info in archive.infolist():
            if info.is_dir():
                continue
            path = (*prefix, info.filename)
            reason = refusal(info, max_ratio)
            if names[info.filename] > 1:  # zipfile.open(name) would read only the last of them
                reason = f"{names[info.filename]} members named {info.filename} in one zip: none is read"
            if reason:
                yield Member(path, info.file_size, reason)
                continue
            try:
                with archive.open(info) as stream:
                    head = stream.read(4)
            except UNREADABLE as exc:  # bad CRC, deflate64, encryption: this member only
                yield Member(path, info.file_size, f"member cannot be read: {exc}")
                continue
            if is_container(info.filename, head):
                if depth >= MAX_NESTING:
                    yield Member(path, info.file_size, f"zip nested deeper than {MAX_NESTING} levels")
                    continue
                try:
                    with archive.open(info) as stream, _spool(stream, temp_dir) as inner:
                        inner_members = list(
                            iter_members(inner, temp_dir, max_ratio, path, depth + 1)
                        )
                except UNREADABLE as exc:
                    yield Member(path, info.file_size, f"nested zip cannot be opened: {exc}")
                    continue
                if not inner_members:
                    yield Member(path, info.file_size, "nested zip holds no member")
                yield from inner_members
            else:
                yield Member(path, info.file_size,
                             fingerprint=f"zip:{info.CRC:08x}:{info.file_size}:{info.compress_size}")


@contextmanager
def open_member(outer: IO[bytes], path: tuple[str, ...], temp_dir: Path) -> Iterator[IO[bytes]]:
    """A binary stream of one (possibly nested) member's bytes."""
    with ExitStack() as stack:
        current: IO[bytes] = outer
        for depth, name in enumerate(path):
            archive = stack.enter_context(zipfile.ZipFile(current))
            stream = stack.enter_context(archive.open(name))
            if depth == len(path) - 1:
                yield stream
                return
            current = stack.enter_context(_spool(stream, temp_dir))
        yield current
