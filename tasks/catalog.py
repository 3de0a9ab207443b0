"""The catalog: what is in the file store, and where each file belongs.

Walks the store, opens containers safely, classifies every data file by its own name,
derives ``file_date`` and checks the ACO id. It lists and classifies; it does not read
records (the parsers do) and it does not hash (the per-file task does, in parallel).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from tasks.containers import UNREADABLE, Member, is_container, iter_members
from tasks.errors import StampError
from tasks.families import PROCESSED_CODES, WEEKLY_CCLF_CODE, classify_name, is_skipped_member
from tasks.models import CatalogEntry
from tasks.store import Store

STAMP = re.compile(r"\.D(?P<d>[^.]*)\.")
ASCII_STAMP = re.compile(r"[0-9]{6}|[0-9]{8}", re.ASCII)  # str.isdigit() admits "٢٤٠١٠١"
ACO_FOLDER = re.compile(r"[A-Z][0-9]{4}", re.ASCII)


def stamp_date(name: str) -> tuple[bool, dt.date | None]:
    """(has_stamp, date) from a ``.Dyymmdd.`` / ``.Dyyyymmdd.`` token; placeholder → None.

    Raises StampError for a stamp that is not a calendar date or not numeric.
    """
    m = STAMP.search(name + ".")
    if not m:
        return False, None
    digits = m["d"]
    if not ASCII_STAMP.fullmatch(digits):
        raise StampError(f"malformed date stamp D{digits}")
    year, rest = (2000 + int(digits[:2]), digits[2:]) if len(digits) == 6 else (int(digits[:4]), digits[4:])
    if rest[:2] == "99":  # D<YY>9999: a placeholder, not a date (ALR files)
        return True, None
    try:
        return True, dt.date(year, int(rest[:2]), int(rest[2:]))
    except ValueError:
        raise StampError(f"date stamp D{digits} is not a calendar date") from None


@dataclass
class Catalog:
    entries: list[CatalogEntry] = field(default_factory=list)  # placed or rejected
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): not data

    @property
    def rejected(self) -> list[CatalogEntry]:
        return [e for e in self.entries if e.reject_reason]


def escaped_path(path: str) -> str | None:
    """The path escaped repr-style when it holds a control or invisible character, else None.

    A newline (or any other non-printable character, U+2028 included) in a name would forge
    log lines, so such an entry is rejected and only ever shown escaped (ledger, logs).
    """
    if all(ch.isprintable() or ch == " " for ch in path):
        return None
    return repr(path)[1:-1]


def _unprintable(path: str, size: int, code: str | None) -> CatalogEntry | None:
    shown = escaped_path(path)
    if shown is None:
        return None
    return CatalogEntry(shown, shown, (), size, None, None,
                        "file name holds a control or invisible character (shown escaped)", code)


def _code_folder(rel: str) -> str | None:
    parts = rel.split("/")
    code = parts[2] if len(parts) > 3 and ACO_FOLDER.fullmatch(parts[0]) else None
    return code if code is not None and code.isascii() and code.isdigit() else None


def _aco_folder(rel: str) -> str | None:
    first = rel.split("/", 1)[0]
    return first if ACO_FOLDER.fullmatch(first) and "/" in rel else None


def place(
    file_path: str,
    container_path: str,
    member_path: tuple[str, ...],
    size: int,
    aco_id: str | None,
    store_code: str | None,
) -> CatalogEntry:
    """Classify one data file and derive its file_date; a bad name becomes a rejected entry."""
    name = file_path.rsplit("/", 1)[-1]
    containers = tuple(p.rsplit("/", 1)[-1] for p in (container_path, *member_path[:-1])) if member_path else ()

    def rejected(reason: str) -> CatalogEntry:
        return CatalogEntry(file_path, container_path, member_path, size, None, None, reason, store_code)

    kind = classify_name(name, containers)
    if kind is None:
        return rejected(f"file name matches no MSSP file family: {name}")
    try:
        has_stamp, file_date = stamp_date(name)
        if not has_stamp:
            for outer in reversed(containers):
                has_stamp, file_date = stamp_date(outer)
                if has_stamp:
                    break
    except StampError as exc:
        return rejected(f"{exc} in {name}")
    if kind.aco_id and aco_id and kind.aco_id != aco_id:
        return rejected(f"ACO id {kind.aco_id} in the name does not match the store folder {aco_id}")
    return CatalogEntry(file_path, container_path, member_path, size, kind, file_date, None, store_code)


def build_catalog(
    store: Store,
    temp_dir: Path,
    *,
    expected_aco: str | None = None,
    include_weekly: bool = False,
    max_ratio: int = 200,
    codes: Iterable[str] = PROCESSED_CODES,
) -> Catalog:
    """List and classify every data file in the store (members of containers included)."""
    allowed = set(codes) | ({WEEKLY_CCLF_CODE} if include_weekly else set())
    catalog = Catalog()
    for obj in store.walk():
        code = _code_folder(obj.path)
        if (unprintable := _unprintable(obj.path, obj.size, code)) is not None:
            catalog.entries.append(unprintable)
            continue
        if code is not None and code not in allowed:
            catalog.skipped.append((obj.path, f"Data Hub code {code} is not processed"))
            continue
        if obj.problem is not None:  # a link, FIFO, socket or device: never opened
            catalog.entries.append(_rejected_container(obj.path, 0, code, obj.problem))
            continue
        aco = _aco_folder(obj.path) or expected_aco
        name = obj.path.rsplit("/", 1)[-1]
        if is_skipped_member(name):
            catalog.skipped.append((obj.path, "not a data file"))
            continue
        with store.open(obj.path) as fh:
            head = fh.read(4)
            if not is_container(name, head):
                entry = place(obj.path, obj.path, (), obj.size, aco, code)
                fingerprint = f"file:{obj.size}:{obj.modified}" if obj.modified else None
                catalog.entries.append(replace(entry, fingerprint=fingerprint))
                continue
            fh.seek(0)
            try:
                members = list(iter_members(fh, temp_dir, max_ratio))
            except (*UNREADABLE, ValueError) as exc:
                catalog.entries.append(_rejected_container(obj.path, obj.size, code, f"zip cannot be opened: {exc}"))
                continue
        _add_members(catalog, obj.path, obj.size, members, aco, code)
    return catalog


def _rejected_container(path: str, size: int, code: str | None, reason: str) -> CatalogEntry:
    return CatalogEntry(path, path, (), size, None, None, reason, code)


def _add_members(
    catalog: Catalog, container: str, size: int, members: list[Member], aco: str | None, code: str | None
) -> None:
    placed = 0
    for member in members:
        file_path = "/".join((container, *member.path))
        if (unprintable := _unprintable(file_path, member.size, code)) is not None:
            catalog.entries.append(unprintable)
            continue
        if member.refused:
            catalog.entries.append(CatalogEntry(file_path, container, member.path, member.size, None, None,
                                                member.refused, code))
            continue
        if is_skipped_member(member.path[-1].rsplit("/", 1)[-1]):
            catalog.skipped.append((file_path, "not a data file"))
            continue
        entry = replace(place(file_path, container, member.path, member.size, aco, code),
                        fingerprint=member.fingerprint)
        placed += entry.kind is not None
        catalog.entries.append(entry)
    if not placed:
        reason = "zip holds no member" if not members else "zip holds no member the catalog can place"
        catalog.entries.append(_rejected_container(container, size, code, reason))
