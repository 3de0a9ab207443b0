"""File-name classification: family, table, ACO id, delivery kind and file_date (table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from tasks.catalog import StampError, place, stamp_date
from tasks.families import classify_name

CASES = [
    # name, family, table, aco, attrs subset
    ("P.A1234.ACO.ZC1Y24.D240115.T1112201", "cclf", "parta_claims_header", "A1234",
     {"cclf_type": "1", "delivery_kind": "regular"}),
    ("P.A1234.ACO.ZC5R23.D240301.T0900003", "cclf", "partb_physicians", "A1234", {"delivery_kind": "run-out"}),
    ("T.BCD.A0001.ZC8Y18.D181120.T1000009", "cclf", "beneficiary_demographics", "A0001", {"cclf_type": "8"}),
    ("P.A1234.ACO.ZC0Y24.D240115.T1112200", "cclf", "cclf0_summary_stats_header_record", "A1234", {}),
    ("P.A1234.ACO.ZCAY24.D240115.T1112210", "cclf",
     "claims_benefit_enhancement_and_demonstration_code_file_cclfa", "A1234", {}),
    ("P.A1234.ACO.ZCBY24.D240115.T1112211", "cclf",
     "cclfb_claims_benefit_enhancement_and_demonstration_code_file_cclfb", "A1234", {}),
    ("P.A1234.ACO.ZC9WY24.D240115.T1112209", "cclf", "beneficiary_xref", "A1234", {"delivery_kind": "weekly"}),
    ("P.A1234.ACO.ZC2Y24.D240115.T1112202-1", "cclf", "parta_claims_revenue_center_detail", "A1234", {}),
    ("P.A1234.ACO.QALR.2025Q3.D259999.T0300000_1-1.csv", "alr", "aalr1_assigned_beneficiaries", "A1234", {}),
    ("P.A1234.ACO.AALR.Y2024.D259999.T0500000_1-2.csv", "alr", "aalr2_assigned_beneficiaries_tin", "A1234", {}),
    ("P.A1234.ACO.AALR.D249999.T0100000_1-4.csv", "alr", "aalr4_assigned_beneficiaries_tin_npi", "A1234", {}),
    ("P.A1234.ACO.QALR.2025Q3.D259999.T0300000_1-3.csv", "alr", "aalr3_other", "A1234", {}),
    ("P.A1234.BNEX.R25.D260212.T1420360.xml", "bnex", "beneficiary_exclusions", "A1234", {}),
    ("P.A1234.ACO.MBIY25.D250103.T1033540.txt", "bnex_mbi_xref", "excluded_beneficiary_mbi_xref", "A1234", {}),
    ("P.A1234.ACO.BEUR.2025Q1.D250520.T0700000.csv", "reports",
     "beur_beneficiary_expenditure_utilization_report", None, {}),
    ("Participants List 2025.csv", "participant_list", "participants_list", None, {}),
    ("P.A1234.ACO.QEXPU.2025Q2.D250812.T1100000.xlsx", "benchmark", None, "A1234", {"workbook": "QEXPU"}),
]


@pytest.mark.parametrize(("name", "family", "table", "aco", "attrs"), CASES, ids=[c[0] for c in CASES])
def test_classify_name(name: str, family: str, table: str | None, aco: str | None, attrs: dict) -> None:
    kind = classify_name(name)
    assert kind is not None
    assert (kind.family, kind.table, kind.aco_id) == (family, table, aco)
    assert attrs.items() <= kind.attrs.items()


def test_member_families_need_their_container() -> None:
    assert classify_name("DM_A1234_January_2025.csv") is None
    assert classify_name("DM_A1234_January_2025.csv", ("P.A1234.ACO.SBMON.D250310.T0800000.zip",)).table \
        == "shadow_bundles_dm"
    kind = classify_name("A1234_2026Q1_001.csv", ("P.A1234.ACO.MCQM.2026Q1.D260501.T1200001.zip",))
    assert kind is not None and (kind.family, kind.table, kind.attrs["period"]) == ("mcqm", "mcqm_dm_001ssp", "2026Q1")


@pytest.mark.parametrize("name", ["README.txt", "P.A1234.ACO.ZC1Y24", "P.A1234.ACO.ZCXY24.D240115.T1112201",
                                  "random.csv", "P.A1234.XYZ.D240115.T1112201"])
def test_unknown_names_match_nothing(name: str) -> None:
    assert classify_name(name) is None


@pytest.mark.parametrize(("name", "expected"), [
    ("P.A1234.ACO.ZC1Y24.D240115.T1112201", dt.date(2024, 1, 15)),
    ("P.A1234.ACO.QALR.2025Q3.D259999.T0300000_1-1.csv", None),
    ("P.A1234.ACO.QALR.2024Q1.D240515.T1200001_1-4.csv", dt.date(2024, 5, 15)),
    ("X.D20240229.T1", dt.date(2024, 2, 29)),
])
def test_stamp_date(name: str, expected: dt.date | None) -> None:
    assert stamp_date(name) == (True, expected)


@pytest.mark.parametrize("name", ["P.A1234.ACO.ZC1Y24.D181340.T1112201", "P.A1234.ACO.ZC1Y24.D18NOV20.T1112201",
                                  "P.A1234.ACO.ZC1Y24.D230229.T1112201"])
def test_bad_stamps_raise(name: str) -> None:
    with pytest.raises(StampError):
        stamp_date(name)


def test_place_rejects_bad_stamp_and_foreign_aco() -> None:
    bad = place("A1234/2024/113/P.A1234.ACO.ZC1Y24.D181340.T1112201", "x", (), 10, "A1234", "113")
    assert bad.kind is None and "not a calendar date" in (bad.reject_reason or "")
    foreign = place("A1234/2024/113/P.A7777.ACO.ZC1Y24.D240115.T1112201", "x", (), 10, "A1234", "113")
    assert foreign.kind is None and "A7777" in (foreign.reject_reason or "")
    unknown = place("A1234/2024/113/notes.txt", "x", (), 10, "A1234", "113")
    assert unknown.kind is None and "matches no MSSP file family" in (unknown.reject_reason or "")


def test_member_takes_its_own_stamp_not_the_bundle_stamp() -> None:
    entry = place("A1234/2025/113/P.A1234.ACO.ZCY25.D250612.T1.zip/P.A1234.ACO.ZC1Y25.D250610.T1112201",
                  "A1234/2025/113/P.A1234.ACO.ZCY25.D250612.T1.zip", ("P.A1234.ACO.ZC1Y25.D250610.T1112201",),
                  10, "A1234", "113")
    assert entry.file_date == dt.date(2025, 6, 10)


def test_member_without_stamp_takes_innermost_container_stamp() -> None:
    container = "A1234/2025/244/P.A1234.ACO.SBMON.D250310.T0800000.zip"
    entry = place(f"{container}/DM_A1234_January_2025.csv", container, ("DM_A1234_January_2025.csv",), 10,
                  "A1234", "244")
    assert entry.kind is not None and entry.file_date == dt.date(2025, 3, 10)


ARABIC_STAMP = "\u0662\u0664\u0660\u0661\u0661\u0665"  # "240115" in Arabic-Indic digits


@pytest.mark.parametrize("name", [
    f"X.D{ARABIC_STAMP}.T1",
    f"P.A1234.ACO.ZC1Y24.D{ARABIC_STAMP}.T1112201",
    "X.D\uff12\uff14\uff10\uff11\uff11\uff15.T1",  # full-width digits
])
def test_non_ascii_digits_are_never_a_date_stamp(name: str) -> None:
    with pytest.raises(StampError, match="malformed date stamp"):
        stamp_date(name)


@pytest.mark.parametrize("name", [
    f"P.A1234.ACO.ZC1Y24.D{ARABIC_STAMP}.T1112201",
    f"P.A1234.ACO.QALR.2025Q3.D{ARABIC_STAMP}.T0300000_1-1.csv",
    f"P.A1234.BNEX.R25.D{ARABIC_STAMP}.T1420360.xml",
    "P.A\u0661\u0662\u0663\u0664.ACO.MBIY25.D250103.T1033540.txt",  # ACO id digits
    "P.A1234.ACO.QALR.2025Q3.D259999.T\u0660\u0663\u0660\u0660\u0660\u0660\u0660_1-1.csv",
])
def test_non_ascii_digits_never_place_a_file(name: str) -> None:
    entry = place(f"A1234/2025/113/{name}", "x", (), 10, "A1234", "113")
    assert entry.kind is None and entry.reject_reason
