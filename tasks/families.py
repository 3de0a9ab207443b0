"""The family registry: which file names belong to which family, format and raw table.

Everything the catalog needs to place a file is data in this module (mssp_files.md §3);
adding a family means adding a rule here, a parser for its format, and tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Family = Literal[
    "cclf",
    "alr",
    "reports",
    "mcqm",
    "shadow_bundles",
    "participant_list",
    "bnex",
    "bnex_mbi_xref",
    "benchmark",
]
FAMILIES: tuple[Family, ...] = (
    "cclf",
    "alr",
    "reports",
    "mcqm",
    "shadow_bundles",
    "participant_list",
    "bnex",
    "bnex_mbi_xref",
    "benchmark",
)

Format = Literal["fixed_width", "cclf0", "csv", "xlsx_sheets", "xml_bnex", "xlsx_cells"]

CCLF_TABLES: dict[str, str] = {
    "0": "cclf0_summary_stats_header_record",
    "1": "parta_claims_header",
    "2": "parta_claims_revenue_center_detail",
    "3": "parta_procedure_code",
    "4": "parta_diagnosis_code",
    "5": "partb_physicians",
    "6": "partb_dme",
    "7": "partd_claims",
    "8": "beneficiary_demographics",
    "9": "beneficiary_xref",
    "A": "claims_benefit_enhancement_and_demonstration_code_file_cclfa",
    "B": "cclfb_claims_benefit_enhancement_and_demonstration_code_file_cclfb",
}

ALR_TABLES: dict[str, str] = {
    "1": "aalr1_assigned_beneficiaries",
    "2": "aalr2_assigned_beneficiaries_tin",
    "4": "aalr4_assigned_beneficiaries_tin_npi",
    "5": "aalr5_beneficiary_turnover",
    "6": "aalr6_beneficiaries_assignable_or_voluntary",
    "9": "aalr9_beneficiaries_underserved",
}

REPORT_TABLES: dict[str, str] = {
    "BAIP": "baip_beneficiary_advanced_investment_payment",
    "BEUR": "beur_beneficiary_expenditure_utilization_report",
    "NCBP": "ncbp_non_claims_based_payments",
}

MCQM_SHEET_TABLES: dict[str, str] = {
    "Medicare_CQM_Beneficiaries": "mcqm_beneficiaries",
    "DM_001SSP": "mcqm_dm_001ssp",
    "BCS_112SSP": "mcqm_bcs_112ssp",
    "DEP_134SSP": "mcqm_dep_134ssp",
    "HTN_236SSP": "mcqm_htn_236ssp",
}
MCQM_CSV_TABLES: dict[str, str] = {
    "_MCQMbenes.csv": "mcqm_beneficiaries",
    "_001.csv": "mcqm_dm_001ssp",
    "_112.csv": "mcqm_bcs_112ssp",
    "_113.csv": "mcqm_ccs_113ssp",
    "_134.csv": "mcqm_dep_134ssp",
    "_236.csv": "mcqm_htn_236ssp",
}

SHADOW_BUNDLE_PREFIXES = ("DM", "EPI", "HH", "HS", "IP", "OPL", "PB", "SN")

PARTICIPANT_TABLES: dict[str, str] = {
    "Participants List": "participants_list",
    "Providers and Suppliers List": "provider_and_supplier_list",
}

BENCHMARK_SHEETS: dict[str, dict[str, str]] = {
    "BNMRK": {
        "Table 1 - ": "bnmrk_table_1",
        "Table 1A - ": "bnmrk_table_1a",
        "Table 1B - ": "bnmrk_table_1b",
        "Table 1C - ": "bnmrk_table_1c",
        "Table 2 - ": "bnmrk_table_2",
        "Table 3 - ": "bnmrk_table_3",
        "Table 4 - ": "bnmrk_table_4",
        "Table 5 - ": "bnmrk_table_5",
        "Table 6 - ": "bnmrk_table_6",
        "Parameters": "bnmrk_parameters",
    },
    "AEXPU": {
        "Table_1-": "aexpu_table_1",
        "Table_1A-": "aexpu_table_1a",
        "Table_3-": "aexpu_table_3",
        "Table_4-": "aexpu_table_4",
        "Table_4A-": "aexpu_table_4a",
        "Parameters": "aexpu_parameters",
    },
    "QEXPU": {
        "Table_1-": "qexpu_table_1",
        "Table_2-": "qexpu_table_2",
        "Table_3-": "qexpu_table_3",
        "Parameters": "qexpu_parameters",
    },
}

PROCESSED_CODES: frozenset[str] = frozenset(
    {"113", "114", "115", "116", "118", "125", "126", "129", "131", "132", "134", "183", "244", "306"}
)
"""Data Hub file-type codes downloaded and cataloged by default (mssp_files.md §5.7)."""
WEEKLY_CCLF_CODE = "305"

# Column names (normalized) each CSV family is known to carry; a first line holding one of them
# is a header (mssp_files.md §4.2). Other first lines must have the CMS-name shape instead
# (tasks/parsers/delimited.py:header_problem). Membership is enough: CMS adds columns by year.
KNOWN_COLUMNS: dict[Family, frozenset[str]] = {
    "alr": frozenset(
        {"bene_mbi_id", "bene_hic_num", "bene_1st_name", "bene_last_name", "bene_sex_cd",
         "bene_brth_dt", "bene_death_dt", "master_id", "b_em_line_cnt_t", "enrollflag1",
         "hcc_version", "geo_ssa_cnty_cd_name", "geo_ssa_state_name", "state_county_cd",
         "va_tin", "va_npi", "assignment_type", "plur_r05", "ab_r01", "tin", "npi"}
    ),
    "reports": frozenset(
        {"aco_id", "bene_mbi_id", "performance_year", "quarter", "payment_quarter",
         "payment_type", "payment_month", "payment_amt", "risk_category", "tot_exp"}
    ),
    "mcqm": frozenset(
        {"aco_id", "prfmnc_yr_num", "qrt_num", "bene_mbi_id", "bene_1st_name",
         "bene_last_name", "bene_brth_dt"}
    ),
    "shadow_bundles": frozenset(
        {"bene_mbi_id", "clm_id", "clm_from_dt", "clm_thru_dt", "prvdr_npi", "clm_pmt_amt"}
    ),
    "participant_list": frozenset(
        {"aco_id", "participant_tin", "participant_legal_business_name", "individual_npi",
         "organizational_npi", "ccn", "provider_type", "start_date", "end_date"}
    ),
}

# --- name patterns -----------------------------------------------------------------------
# re.ASCII throughout: \d and \w must never match non-ASCII digits or letters (a D stamp
# of Arabic-Indic digits is not a date).

CCLF_NAME = re.compile(
    r"^[PT]\.(?:(?P<aco>[A-Z]\d{4})\.ACO|BCD\.(?P<aco2>[A-Z]\d{4}))\.ZC(?P<type>[0-9AB])"
    r"(?P<weekly>W?)(?P<kind>[YR])(?P<yy>\d{2})\.D(?P<d>\w+?)\.T(?P<t>\w+?)(?:-\d+)?$",
    re.ASCII,
)
ALR_NAME = re.compile(
    r"^(?P<env>[PT])\.(?P<aco>[A-Z]\d{4})\.ACO\.(?P<report>QALR|AALR)\."
    r"(?:(?P<period>\d{4}Q[1-4]|Y\d{4})\.)?D(?P<d>\w+?)\.T(?P<t>\d{7})_1-(?P<table>\d{1,2})"
    r"(?:\.csv)?$",
    re.IGNORECASE | re.ASCII,
)
REPORT_TOKEN = re.compile(r"(?:^|[._])(?P<token>BAIP|BEUR|NCBP)(?=[._]|$)", re.ASCII)
MCQM_ZIP = re.compile(
    r"^[PT]\.(?P<aco>[A-Z]\d{4})\.ACO\.MCQM\.(?P<py>\d{4})Q(?P<q>[1-4])\.D\d{6}\.T\d{7}(?:\.zip)?$",
    re.ASCII,
)
SHADOW_BUNDLE_NAME = re.compile(r"^(?P<prefix>DM|EPI|HH|HS|IP|OPL|PB|SN)_.*\.csv$", re.ASCII)
BNEX_NAME = re.compile(
    r"^[PT]\.(?P<aco>[A-Z]\d{4})\.BNEX\.[YR]\d{2,4}\.D(?P<d>\w+?)\.T\d{7}\.xml$",
    re.ASCII,
)
BNEX_XREF_NAME = re.compile(
    r"^[PT]\.(?P<aco>[A-Z]\d{4})\.ACO\.MBI[YR]\d{2}\.D(?P<d>\w+?)\.T\d{7}\.txt$",
    re.ASCII,
)
BENCHMARK_NAME = re.compile(
    r"^[PT]\.(?P<aco>[A-Z]\d{4})\.ACO\.(?:(?P<bnmrk>BNMRK)\.|(?P<aexpu>AEXPU)\.Y(?P<by>\d{4})\.|"
    r"(?P<qexpu>QEXPU)\.(?P<qp>\d{4}Q[1-4])\.)(?:.*\.)?D(?P<d>\d{6})\.T(?P<t>\d{7})\.xlsx$",
    re.ASCII,
)
SKIPPED_MEMBER = re.compile(r"Dictionary|\.pdf$", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class FileKind:
    """Where a data file belongs, derived from its name alone."""

    family: Family
    format: Format
    table: str | None  # None: the parser decides per sheet (workbooks)
    layout: str | None = None  # fixed-width layout id (CCLF5, MBIXREF)
    aco_id: str | None = None
    attrs: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


def classify_name(name: str, containers: tuple[str, ...] = ()) -> FileKind | None:
    """Place a data file by its base name (and the names of the containers around it).

    Returns None when no family rule matches. Stamps are validated by the catalog.
    """
    if m := CCLF_NAME.match(name):
        ftype = m["type"]
        kind = "weekly" if m["weekly"] else ("run-out" if m["kind"] == "R" else "regular")
        return FileKind(
            "cclf",
            "cclf0" if ftype == "0" else "fixed_width",
            CCLF_TABLES[ftype],
            layout=None if ftype == "0" else f"CCLF{ftype}",
            aco_id=m["aco"] or m["aco2"],
            attrs={"cclf_type": ftype, "delivery_kind": kind},
        )
    if m := ALR_NAME.match(name):
        table = ALR_TABLES.get(m["table"].lstrip("0"), f"aalr{int(m['table'])}_other")
        return FileKind("alr", "csv", table, aco_id=m["aco"].upper(), attrs={"alr_table": m["table"]})
    if m := BNEX_NAME.match(name):
        return FileKind("bnex", "xml_bnex", "beneficiary_exclusions", aco_id=m["aco"])
    if m := BNEX_XREF_NAME.match(name):
        return FileKind(
            "bnex_mbi_xref", "fixed_width", "excluded_beneficiary_mbi_xref", layout="MBIXREF",
            aco_id=m["aco"],
        )
    if m := BENCHMARK_NAME.match(name):
        workbook = "BNMRK" if m["bnmrk"] else ("AEXPU" if m["aexpu"] else "QEXPU")
        period = m["by"] and f"Y{m['by']}" or m["qp"] or f"D{m['d']}.T{m['t']}"
        return FileKind(
            "benchmark", "xlsx_cells", None, aco_id=m["aco"],
            attrs={"workbook": workbook, "period": period, "benchmark_year": m["by"] or "",
                   "submission_id": f"D{m['d']}.T{m['t']}"},
        )
    mcqm = next((MCQM_ZIP.match(c) for c in reversed(containers) if MCQM_ZIP.match(c)), None)
    if mcqm is not None:
        period = f"{mcqm['py']}Q{mcqm['q']}"
        if name.lower().endswith(".xlsx"):
            return FileKind("mcqm", "xlsx_sheets", None, aco_id=mcqm["aco"], attrs={"period": period})
        for suffix, table in MCQM_CSV_TABLES.items():
            if name.endswith(suffix):
                return FileKind("mcqm", "csv", table, aco_id=mcqm["aco"], attrs={"period": period})
    if (m := SHADOW_BUNDLE_NAME.match(name)) and any(".SBMON." in c for c in containers):
        return FileKind("shadow_bundles", "csv", f"shadow_bundles_{m['prefix'].lower()}")
    for prefix, table in PARTICIPANT_TABLES.items():
        if name.startswith(prefix) and name.lower().endswith(".csv"):
            return FileKind("participant_list", "csv", table)
    if name.lower().endswith(".csv") and (m := REPORT_TOKEN.search(name)):
        return FileKind("reports", "csv", REPORT_TABLES[m["token"]])
    return None


def is_skipped_member(name: str) -> bool:
    """Known non-data members (data dictionaries, PDFs): skipped and counted, not rejected."""
    return bool(SKIPPED_MEMBER.search(name))
