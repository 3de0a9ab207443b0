"""The file store: where downloaded CMS files live (local path, s3://, az://, abfss://, gs://).

A thin layer over fsspec. Paths handed out are relative to the store root with ``/``
separators, so lineage (``file_path``) does not change when the root moves. Segments that
start with ``.`` (``.mssp/`` holds the download state) are never data.

Locally only plain files and directories are data. Every other entry (any symbolic link,
dangling or not, to a file or a directory, inside the store or out; FIFOs, sockets, devices)
is listed with a ``problem`` and never opened, so the catalog rejects it and nothing blocks.
Refusing every link is the simple safe rule: no path check can be raced or fooled.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import fsspec

PROTOCOL_ALIASES = {"gcs": "gs", "abfss": "az", "abfs": "az", "adl": "az", "file": "local"}


@dataclass(frozen=True)
class StoreObject:
    path: str  # relative to the store root, '/' separators
    size: int
    modified: str | None = None  # the store's modification stamp, as it reports it
    problem: str | None = None  # why this entry is not a plain file (never opened), or None


def not_plain_file(mode: int, full: str) -> str | None:
    """Why a local entry with ``lstat`` mode ``mode`` is not a plain data file, or None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        if not os.path.exists(full):
            return "not a plain file: a dangling symbolic link (links are never followed)"
        if os.path.isdir(full):
            return "not a plain file: a symbolic link to a directory (links are never followed)"
        return "not a plain file: a symbolic link (links are never followed)"
    if stat.S_ISFIFO(mode):
        return "not a plain file: a named pipe (FIFO), never opened"
    if stat.S_ISSOCK(mode):
        return "not a plain file: a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a plain file: a device"
    return "not a plain file"


class Store:
    """A file store rooted at a local path or an object-store URL."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        protocol, _, rest = url.partition("://")
        if not rest:
            protocol, rest = "local", os.path.abspath(url)
        self.url = url
        self.protocol = PROTOCOL_ALIASES.get(protocol, protocol)
        fs_protocol = "file" if self.protocol == "local" else protocol
        self.fs = fsspec.filesystem(fs_protocol, **(storage_options or {}))
        self.root = rest.rstrip("/")

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def walk(self) -> Iterator[StoreObject]:
        """Every data object under the root, sorted by path (dot-segments skipped)."""
        if self.protocol == "local":
            yield from sorted(self._walk_local(), key=lambda o: o.path)
            return
        if not self.fs.exists(self.root):
            return
        found = self.fs.find(self.root, detail=True)
        prefix = self.fs._strip_protocol(self.root).rstrip("/") + "/"
        for full in sorted(found):
            rel = full[len(prefix):] if full.startswith(prefix) else full
            if any(part.startswith(".") for part in rel.split("/")):
                continue
            info = found[full]
            if info.get("type") == "directory":
                continue
            modified = next((info[k] for k in ("mtime", "LastModified", "updated", "last_modified")
                             if info.get(k)), None)
            yield StoreObject(rel, int(info.get("size") or 0), str(modified) if modified else None)

    def _walk_local(self) -> Iterator[StoreObject]:
        """Plain files, and every other non-directory entry with its problem (``lstat`` only)."""
        pending = [""]
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(self._full(folder)) as listing:
                    found = list(listing)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for item in found:
                if item.name.startswith("."):
                    continue
                rel = f"{folder}/{item.name}" if folder else item.name
                info = item.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    pending.append(rel)
                    continue
                problem = not_plain_file(info.st_mode, item.path)
                yield StoreObject(rel, info.st_size if problem is None else 0,
                                  str(info.st_mtime), problem)

    def open(self, rel: str, mode: str = "rb") -> IO[bytes]:
        stream: IO[bytes] = self.fs.open(self._full(rel), mode)
        return stream

    def exists(self, rel: str) -> bool:
        return bool(self.fs.exists(self._full(rel)))

    # --- writing (download state and downloaded files) -----------------------------------

    def read_bytes(self, rel: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        try:
            return bytes(self.fs.cat_file(self._full(rel)))
        except FileNotFoundError:
            return None

    def write_bytes(self, rel: str, data: bytes, *, exclusive: bool = False) -> bool:
        """Write an object atomically; readers see the old bytes or the new, never a mix.

        Locally: a temporary sibling renamed (or hard-linked when ``exclusive``) into place.
        Object stores: one PUT (atomic per object); ``exclusive`` is a conditional create
        (S3 ``If-None-Match``, GCS ``ifGenerationMatch=0``, Azure ``overwrite=False``).
        Returns False only when ``exclusive`` and the object already exists.
        """
        if self.protocol == "local":
            return self._write_local(rel, data, exclusive)
        full = self._full(rel)
        if not exclusive:
            self.fs.pipe_file(full, data)
            self.fs.invalidate_cache()
            return True
        if self.fs.exists(full):
            return False
        try:
            self.fs.pipe_file(full, data, mode="create")
        except Exception:
            self.fs.invalidate_cache()
            if self.fs.exists(full):
                return False
            raise
        self.fs.invalidate_cache()
        return True

    def put_file(self, local: str | os.PathLike[str], rel: str) -> None:
        """Copy a local file into the store atomically, replacing an object of that name."""
        if self.protocol == "local":
            target = self._full(rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = _sibling_tmp(target)
            try:
                shutil.copyfile(local, tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return
        self.fs.put_file(os.fspath(local), self._full(rel))
        self.fs.invalidate_cache()

    def remove(self, rel: str) -> None:
        """Delete one object; a missing object is not an error."""
        try:
            self.fs.rm_file(self._full(rel))
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache()

    def size(self, rel: str) -> int | None:
        """Size in bytes, or None when the object does not exist."""
        try:
            return int(self.fs.info(self._full(rel))["size"])
        except FileNotFoundError:
            return None

    def sha256(self, rel: str) -> str:
        """Hex sha256 of the object's bytes, streamed."""
        digest = hashlib.sha256()
        with self.open(rel) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def _write_local(self, rel: str, data: bytes, exclusive: bool) -> bool:
        target = self._full(rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = _sibling_tmp(target)
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if not exclusive:
                os.replace(tmp, target)
                return True
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            return True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _sibling_tmp(target: str) -> str:
    head, name = os.path.split(target)
    return os.path.join(head, f".{name}.tmp-{uuid.uuid4().hex}")
