"""Containers: bundles with or without .zip, zips in zips, sub-folders, and unsafe members."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tasks.catalog import build_catalog
from tasks.containers import iter_members, open_member
from tasks.store import Store
from tests.zips import zip_bytes

CCLF1 = "P.A1234.ACO.ZC1Y24.D240115.T1112201"


def write(store_root: Path, rel: str, data: bytes) -> None:
    path = store_root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def catalog(store_root: Path, tmp_path: Path):
    return build_catalog(Store(str(store_root)), tmp_path / "tmp")


def test_bundle_without_zip_extension_and_members_in_subfolders(store_root: Path, tmp_path: Path) -> None:
    write(store_root, "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200",
          zip_bytes([("folder/", b""), (f"folder/{CCLF1}", b"x\n")]))
    cat = catalog(store_root, tmp_path)
    assert [e.file_path for e in cat.entries] == [f"A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200/folder/{CCLF1}"]
    entry = cat.entries[0]
    assert entry.file_name == CCLF1 and entry.kind.table == "parta_claims_header"
    assert entry.directory_name == "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200/folder"


def test_zip_inside_zip_is_read_in_place(store_root: Path, tmp_path: Path) -> None:
    alr = "P.A1234.ACO.AALR.D249999.T0100000_1-1.csv"
    inner = zip_bytes([(alr, b"BENE_MBI_ID\n1AA0AA0AA00\n")])
    write(store_root, "A1234/2024/116/P.A1234.ACO.HASSGN.D231015.T1010100.zip",
          zip_bytes([("P.A1234.ACO.AALR.D249999.T0100000", inner)]))
    cat = catalog(store_root, tmp_path)
    (entry,) = cat.entries
    assert entry.member_path == ("P.A1234.ACO.AALR.D249999.T0100000", alr)
    assert entry.file_path.endswith("HASSGN.D231015.T1010100.zip/P.A1234.ACO.AALR.D249999.T0100000/" + alr)
    assert entry.file_date is None  # D249999 is a placeholder; the member's own stamp wins over the bundle's
    with (store_root / entry.container_path).open("rb") as fh, open_member(fh, entry.member_path, tmp_path) as m:
        assert m.read() == b"BENE_MBI_ID\n1AA0AA0AA00\n"


@pytest.mark.parametrize(("member", "reason"), [("../evil", "unsafe member path (..)"),
                                                ("/etc/evil", "unsafe member path (absolute)")])
def test_unsafe_member_paths_are_refused(member: str, reason: str, tmp_path: Path) -> None:
    data = zip_bytes([(member, b"x"), (CCLF1, b"x\n")])
    members = list(iter_members(io.BytesIO(data), tmp_path, 200))
    refused = [m for m in members if m.refused]
    assert len(refused) == 1 and refused[0].refused.startswith(reason)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    data = zip_bytes([(CCLF1, b"\0" * (20 * 1024 * 1024))])
    assert len(data) < 100_000
    (member,) = iter_members(io.BytesIO(data), tmp_path, 200)
    assert member.refused and "over 200x" in member.refused


def test_truncated_and_empty_zips_are_rejected_containers(store_root: Path, tmp_path: Path) -> None:
    good = zip_bytes([(CCLF1, b"x" * 5000)], compression=zipfile.ZIP_STORED)
    write(store_root, "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200.zip", good[: len(good) // 2])
    write(store_root, "A1234/2024/113/P.A1234.ACO.ZCY24.D240215.T1112200.zip", zip_bytes([]))
    write(store_root, "A1234/2024/113/P.A1234.ACO.ZCY24.D240315.T1112200.zip", zip_bytes([("readme.txt", b"hi")]))
    cat = catalog(store_root, tmp_path)
    reasons = {e.file_path.rsplit("/", 1)[-1]: e.reject_reason for e in cat.rejected}
    assert reasons["P.A1234.ACO.ZCY24.D240115.T1112200.zip"].startswith("zip cannot be opened")
    assert reasons["P.A1234.ACO.ZCY24.D240215.T1112200.zip"] == "zip holds no member"
    assert reasons["P.A1234.ACO.ZCY24.D240315.T1112200.zip"] == "zip holds no member the catalog can place"
    assert "matches no MSSP file family" in reasons["readme.txt"]


def test_unprocessed_codes_dot_folders_and_dictionaries_are_skipped(store_root: Path, tmp_path: Path) -> None:
    write(store_root, "A1234/2024/120/FinancialReconciliation.xlsx", b"PK\x03\x04junk")
    write(store_root, ".mssp/datahub_state.json", b"{}")
    write(store_root, "A1234/2024/306/Data Dictionary.pdf", b"%PDF")
    cat = catalog(store_root, tmp_path)
    assert cat.entries == []
    assert sorted(p for p, _ in cat.skipped) == ["A1234/2024/120/FinancialReconciliation.xlsx",
                                                 "A1234/2024/306/Data Dictionary.pdf"]


def test_workbooks_are_data_files_not_containers(store_root: Path, tmp_path: Path) -> None:
    name = "P.A1234.ACO.QEXPU.2025Q2.D250812.T1100000.xlsx"
    write(store_root, f"A1234/2025/118/{name}", zip_bytes([("xl/workbook.xml", b"<x/>")]))
    (entry,) = catalog(store_root, tmp_path).entries
    assert entry.kind is not None and entry.kind.family == "benchmark" and entry.member_path == ()


def test_two_members_with_one_name_are_both_refused(store_root: Path, tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():  # zipfile warns about the duplicate name it is asked to write
        warnings.simplefilter("ignore", UserWarning)
        inner = zip_bytes([(CCLF1, b"first\n"), (CCLF1, b"second\n")])
        write(store_root, "A1234/2024/113/P.A1234.ACO.ZCY24.D240115.T1112200.zip",
              zip_bytes([("P.A1234.ACO.ZCY24.D240115.T1112201.zip", inner), ("other.zip", inner)]))
    cat = catalog(store_root, tmp_path)
    claims = [e for e in cat.entries if e.file_name == CCLF1]
    assert len(claims) == 4
    assert all(e.kind is None and f"2 members named {CCLF1}" in (e.reject_reason or "") for e in claims), claims
