"""dbt/cclf on small raw CCLF fixtures: one scenario per rule of cclf_semantics.md and one test
per pitfall of its §11 (grouped), each asserting exact output rows.

Three builds serve the module: the scenario fixture (default vars), the same fixture with
`include_weekly_cclf` and `eligibility_source: cclf8`, and a database with no raw table at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cclf_fixtures import DbtBuild, RawCclf, query, run_cclf_build
from cclf_fixtures_scenarios import build_scenarios

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtBuild]:
    work = tmp_path_factory.mktemp("cclf_build")
    db = work / "warehouse.duckdb"
    build_scenarios().write(db)
    result = run_cclf_build(db, work)
    assert result.success, result.failures
    assert result.failures == []
    return db, result


@pytest.fixture(scope="module")
def built(build: tuple[Path, DbtBuild]) -> Path:
    return build[0]


@pytest.fixture(scope="module")
def built_vars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("cclf_build_vars")
    db = work / "warehouse.duckdb"
    build_scenarios().write(db)
    result = run_cclf_build(db, work, {"include_weekly_cclf": True, "eligibility_source": "cclf8"})
    assert result.success, result.failures
    return db


def rows(db: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def claim(db: Path, claim_id: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "select * from input_layer.medical_claim where claim_id = ? order by claim_line_number",
        claim_id,
    )


def claims(db: Path, *claim_ids: str) -> dict[str, float]:
    """claim_id -> total paid over its lines, for the ids present in the output."""
    marks = ", ".join("?" for _ in claim_ids)
    return {
        r["claim_id"]: r["paid"]
        for r in rows(
            db,
            f"select claim_id, sum(paid_amount) as paid from input_layer.medical_claim "
            f"where claim_id in ({marks}) group by claim_id",
            *claim_ids,
        )
    }


def person(db: Path, person_id: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "select * from input_layer.eligibility where person_id = ? order by enrollment_start_date",
        person_id,
    )


# ---------------------------------------------------------------------------------------------
# contract (tuva_input_layer.md §3): names, order, types
# ---------------------------------------------------------------------------------------------


def _expected_medical() -> list[tuple[str, str]]:
    cols = [("claim_id", "VARCHAR"), ("claim_line_number", "INTEGER")]
    cols += [(c, "VARCHAR") for c in ("claim_type", "person_id", "member_id", "payer", "plan")]
    cols += [
        (c, "DATE")
        for c in (
            "claim_start_date",
            "claim_end_date",
            "claim_line_start_date",
            "claim_line_end_date",
            "admission_date",
            "discharge_date",
        )
    ]
    cols += [
        (c, "VARCHAR")
        for c in (
            "admit_source_code",
            "admit_type_code",
            "discharge_disposition_code",
            "place_of_service_code",
            "bill_type_code",
            "drg_code_type",
            "drg_code",
            "revenue_center_code",
        )
    ]
    cols += [("service_unit_quantity", "DOUBLE"), ("hcpcs_code", "VARCHAR")]
    cols += [(f"hcpcs_modifier_{n}", "VARCHAR") for n in range(1, 6)]
    cols += [(c, "VARCHAR") for c in ("rendering_npi", "rendering_tin", "billing_npi", "billing_tin", "facility_npi")]
    cols += [("paid_date", "DATE")]
    cols += [
        (f"{c}_amount", "DOUBLE")
        for c in ("paid", "allowed", "charge", "coinsurance", "copayment", "deductible", "total_cost")
    ]
    cols += [("diagnosis_code_type", "VARCHAR")]
    cols += [(f"diagnosis_code_{n}", "VARCHAR") for n in range(1, 26)]
    cols += [(f"diagnosis_poa_{n}", "VARCHAR") for n in range(1, 26)]
    cols += [("procedure_code_type", "VARCHAR")]
    cols += [(f"procedure_code_{n}", "VARCHAR") for n in range(1, 26)]
    cols += [(f"procedure_date_{n}", "DATE") for n in range(1, 26)]
    cols += [
        ("in_network_flag", "BOOLEAN"),
        ("data_source", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("file_date", "DATE"),
        ("ingest_datetime", "TIMESTAMP"),
    ]
    return cols


PHARMACY = (
    [("claim_id", "VARCHAR"), ("claim_line_number", "INTEGER")]
    + [
        (c, "VARCHAR")
        for c in ("person_id", "member_id", "payer", "plan", "prescribing_provider_npi", "dispensing_provider_npi")
    ]
    + [("dispensing_date", "DATE"), ("ndc_code", "VARCHAR")]
    + [(c, "INTEGER") for c in ("quantity", "days_supply", "refills")]
    + [("paid_date", "DATE")]
    + [(f"{c}_amount", "DOUBLE") for c in ("paid", "allowed", "charge", "coinsurance", "copayment", "deductible")]
    + [
        ("in_network_flag", "BOOLEAN"),
        ("data_source", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("file_date", "DATE"),
        ("ingest_datetime", "TIMESTAMP"),
    ]
)

ELIGIBILITY = (
    [(c, "VARCHAR") for c in ("person_id", "member_id", "subscriber_id", "gender", "race")]
    + [
        ("birth_date", "DATE"),
        ("death_date", "DATE"),
        ("death_flag", "BOOLEAN"),
        ("enrollment_start_date", "DATE"),
        ("enrollment_end_date", "DATE"),
    ]
    + [
        (c, "VARCHAR")
        for c in (
            "payer",
            "payer_type",
            "plan",
            "original_reason_entitlement_code",
            "dual_status_code",
            "medicare_status_code",
            "enrollment_status",
        )
    ]
    + [(c, "INTEGER") for c in ("hospice_flag", "institutional_snp_flag", "long_term_institutional_flag")]
    + [
        (c, "VARCHAR")
        for c in (
            "group_id",
            "group_name",
            "name_suffix",
            "first_name",
            "middle_name",
            "last_name",
            "social_security_number",
            "subscriber_relation",
            "address",
            "city",
            "state",
            "zip_code",
            "phone",
            "email",
            "ethnicity",
            "data_source",
            "file_name",
        )
    ]
    + [("file_date", "DATE"), ("ingest_datetime", "TIMESTAMP")]
)


@pytest.mark.parametrize(
    ("table", "expected"),
    [("medical_claim", _expected_medical()), ("pharmacy_claim", PHARMACY), ("eligibility", ELIGIBILITY)],
)
def test_contract_columns_in_order_and_type(built: Path, table: str, expected: list) -> None:
    """Pitfall 22: exact column list, BOOLEAN flags, DOUBLE amounts; extras prefixed x_."""
    assert len(expected) == {"medical_claim": 148, "pharmacy_claim": 25, "eligibility": 39}[table]
    got = query(
        built,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'input_layer' and table_name = ? order by ordinal_position",
        [table],
    )
    assert got[: len(expected)] == expected
    assert all(name.startswith("x_") for name, _ in got[len(expected) :])


def test_single_data_source(built: Path) -> None:
    """Pitfall 19: 'medicare cclf' in every relation."""
    got = query(
        built,
        "select distinct data_source from input_layer.medical_claim union "
        "select distinct data_source from input_layer.pharmacy_claim union "
        "select distinct data_source from input_layer.eligibility",
    )
    assert got == [("medicare cclf",)]


# ---------------------------------------------------------------------------------------------
# crosswalk (§2), pitfall 9
# ---------------------------------------------------------------------------------------------


def test_crosswalk_chain_conflict_cycle(built: Path) -> None:
    got = dict(query(built, "select prvs_num, crnt_num from _int_cclf.int_mbi_crosswalk_resolved"))
    assert got == {
        "1XA0AA0AA01": "1XC0AA0AA01",  # chain followed to the end
        "1XB0AA0AA01": "1XC0AA0AA01",
        "1XX0AA0AA01": "1XZ0AA0AA01",  # latest file wins
        "1XK0AA0AA01": "1XM0AA0AA01",  # same file: lowest crnt_num
        "1XQ0AA0AA01": "1XP0AA0AA01",  # cycle: oldest edge P -> Q dropped
        "1MB0OLD0A01": "1MB0NEW0A01",
        "1EM0OLD0A01": "1EM0NEW0A01",
        "1DX0OLD0A01": "1DX0NEW0A01",
    }
    # claims keyed to the current MBI
    assert [(r["person_id"], r["x_source_mbi"]) for r in claim(built, "9101")] == [("1XC0AA0AA01", "1XA0AA0AA01")]


# ---------------------------------------------------------------------------------------------
# claim versions and netting (§3.5 examples a-e)
# ---------------------------------------------------------------------------------------------


def test_example_a_part_a_adjustment_and_lines_matching(built: Path) -> None:
    assert claims(built, "1001", "1002", "1003") == {"1003": 520.0}
    got = [
        (r["claim_line_number"], r["revenue_center_code"], r["paid_amount"], r["charge_amount"])
        for r in claim(built, "1003")
    ]
    # §4 first branch: lines sum to the net paid; charge on revenue center 0001
    assert got == [(1, "0450", 300.0, None), (2, "0001", 220.0, 1200.0)]
    assert claim(built, "1003")[0]["x_version_count"] == 3


def test_part_a_lines_not_matching_header(built: Path) -> None:
    got = [(r["claim_line_number"], r["paid_amount"], r["charge_amount"]) for r in claim(built, "1101")]
    assert got == [(1, 100.0, 500.0), (2, 0.0, None)]


def test_header_without_lines(built: Path) -> None:
    (r,) = claim(built, "1201")
    assert (r["claim_line_number"], r["paid_amount"], r["charge_amount"]) == (1, 75.0, 90.0)
    assert (r["claim_line_start_date"], r["claim_line_end_date"]) == (D("2024-02-01"), D("2024-02-03"))
    assert r["revenue_center_code"] is None and r["hcpcs_code"] is None
    assert (r["admission_date"], r["discharge_date"]) == (D("2024-02-01"), D("2024-02-03"))
    assert (r["drg_code_type"], r["drg_code"], r["discharge_disposition_code"]) == ("ms-drg", "871", "01")
    assert (r["bill_type_code"], r["admit_source_code"], r["admit_type_code"]) == ("111", "7", "1")
    # NPIs: '~' and all zeros are NULL
    assert (r["rendering_npi"], r["facility_npi"], r["billing_npi"]) == ("2222222227", None, "1777777772")
    assert (r["diagnosis_code_1"], r["diagnosis_code_type"], r["procedure_code_type"]) == ("A419", "icd-10-cm", None)


def test_example_b_numeric_claim_id_order(built: Path) -> None:
    """Pitfall 10: 1234567890 > 987654322 as numbers."""
    assert claims(built, "2001", "987654322", "1234567890") == {"1234567890": 60.0}
    (r,) = claim(built, "1234567890")
    assert (r["allowed_amount"], r["claim_type"], r["x_version_count"]) == (66.0, "professional", 3)


def test_example_c_cancelled_part_b_claim_is_gone(built: Path) -> None:
    assert claims(built, "2101", "2102") == {}


def test_example_d_distinct_originals_not_merged(built: Path) -> None:
    """Pitfall 5."""
    assert claims(built, "1301", "1302") == {"1301": 300.0, "1302": 45.0}


def test_example_e_versions_across_an_mbi_change(built: Path) -> None:
    """Pitfall 11: the natural key uses the current MBI."""
    assert claims(built, "1401", "1402", "1403") == {"1403": 44.0}
    (r,) = claim(built, "1403")
    assert (r["person_id"], r["member_id"], r["x_version_count"]) == ("1MB0NEW0A01", "1MB0NEW0A01", 3)


# ---------------------------------------------------------------------------------------------
# diagnoses / procedures (§5): pitfalls 1-4
# ---------------------------------------------------------------------------------------------


def test_pitfall_1_codes_survive_an_mbi_change(built: Path) -> None:
    (r,) = claim(built, "3011")
    assert (r["person_id"], r["diagnosis_code_1"], r["diagnosis_poa_1"]) == ("1DX0NEW0A01", "E119", "Y")
    assert (r["procedure_code_1"], r["procedure_date_1"], r["procedure_code_type"]) == (
        "0DTJ4ZZ",
        D("2024-01-03"),
        "icd-10-pcs",
    )


def test_pitfall_2_no_fan_out_from_code_copies(built: Path) -> None:
    got = [
        (r["claim_line_number"], r["paid_amount"], r["diagnosis_code_1"], r["diagnosis_code_2"], r["diagnosis_code_3"])
        for r in claim(built, "3001")
    ]
    assert got == [(1, 40.0, "I10", "E785", None), (2, 60.0, "I10", "E785", None)]


def test_pitfall_3_principal_fallback_collision_and_overflow(built: Path) -> None:
    (fallback,) = claim(built, "3101")
    assert (fallback["diagnosis_code_1"], fallback["diagnosis_poa_1"], fallback["diagnosis_code_2"]) == (
        "J189",
        None,
        None,
    )
    (collide,) = claim(built, "3102")
    assert collide["diagnosis_code_1"] == "R69"  # P before D; principal not used
    assert all(collide[f"diagnosis_code_{n}"] is None for n in range(2, 26))
    assert "Z9999" not in collide.values()
    # the overflow and the collision loser are counted (warn test source)
    assert query(
        built, "select unplaced_count from _int_cclf.int_parta_diagnoses_pivoted where cur_clm_uniq_id = '3102'"
    ) == [(2,)]


def test_pitfall_4_code_types(built: Path) -> None:
    got = {
        cid: (claim(built, cid)[0]["diagnosis_code_type"], claim(built, cid)[0]["procedure_code_type"])
        for cid in ("3201", "3202", "3203", "3204")
    }
    assert got == {
        "3201": (None, "icd-10-pcs"),  # no diagnosis at all: type NULL
        "3202": ("icd-9-cm", "icd-9-pcs"),  # indicator 9
        "3203": ("icd-9-cm", None),  # blank indicator, before 2015-10-01
        "3204": ("icd-10-cm", None),  # blank indicator, after
    }


# ---------------------------------------------------------------------------------------------
# keys, families, identity (pitfalls 6-8)
# ---------------------------------------------------------------------------------------------


def test_pitfall_6_null_keys_do_not_group(built: Path) -> None:
    # NULL CCN: each claim alone; billing CCN NULL -> PRVDR_OSCAR_NUM groups the cancellation
    assert claims(built, "3301", "3302", "3311", "3312") == {"3301": 100.0, "3302": 90.0}
    # Part B NULL control number: (claim id, line) alone
    assert claims(built, "3321", "3322") == {"3321": 20.0}


def test_families_without_control_numbers(built: Path) -> None:
    # joins the family of the one unseen root; 80 + 90 netted
    assert claims(built, "3401", "3402") == {"3402": 170.0}
    assert claim(built, "3402")[0]["x_version_count"] == 2
    # originals only: separate claims
    assert claims(built, "3411", "3412") == {"3411": 11.0, "3412": 12.0}
    # a cancellation among them: one family, cancelled
    assert claims(built, "3421", "3422") == {}


def test_pitfall_7_latest_copy_of_a_changed_redelivery(built: Path) -> None:
    (r,) = claim(built, "3501")
    assert (r["paid_amount"], r["file_date"]) == (12.0, D("2024-03-15"))


def test_pitfall_8_exact_duplicates_kept_once(built: Path) -> None:
    got = claim(built, "3601")
    assert [(r["claim_line_number"], r["paid_amount"]) for r in got] == [(1, 100.0)]


def test_warn_tests_report_anomalies(build: tuple[Path, DbtBuild]) -> None:
    """Overflow/collision codes, superseded CCLF2 lines and in-file CCLF9 conflicts are
    counted by warn tests, never silently; nothing else warns on the scenario data."""
    assert sorted(build[1].warnings) == [
        "cclf_orphan_revenue_lines",
        "cclf_unparsed_values",
        "cclf_unplaced_codes",
        "cclf_unusable_records",
        "cclf_xref_conflicts",
    ]
    (r,) = claim(build[0], "3951")
    assert (r["paid_amount"], r["allowed_amount"]) == (8.0, None)
    assert query(build[0], "select count(*) from input_layer.medical_claim where person_id = '1UP0AA0AA02'") == [(0,)]


def test_unique_claim_lines(built: Path) -> None:
    assert (
        query(
            built,
            "select claim_id, claim_line_number, count(*) from "
            "input_layer.medical_claim group by all having count(*) > 1",
        )
        == []
    )


# ---------------------------------------------------------------------------------------------
# Part B / Part D (pitfalls 12, 13, 20) and file metadata (14, 18)
# ---------------------------------------------------------------------------------------------


def test_pitfall_12_part_d(built: Path) -> None:
    got = rows(built, "select * from input_layer.pharmacy_claim where person_id like '1PD%' order by claim_id")
    assert [(r["claim_id"], r["person_id"], r["copayment_amount"]) for r in got] == [
        ("4002", "1PD0AA0AA01", 7.5),  # adjustment wins
        ("4003", "1PD0AA0AA02", 3.0),  # same key, other MBI: its own claim
        ("40101", "1PD0AA0AA03", 2.0),  # tie broken by numeric id
    ]  # 4021/4022: cancelled
    r = got[0]
    assert (
        r["paid_amount"],
        r["refills"],
        r["x_fill_number"],
        r["quantity"],
        r["days_supply"],
        r["claim_line_number"],
    ) == (None, None, "1", 30, 30, 1)
    assert (r["prescribing_provider_npi"], r["dispensing_provider_npi"], r["ndc_code"]) == (
        "1987654321",
        "1234567893",
        "00002322730",
    )
    assert got[2]["dispensing_provider_npi"] is None  # qualifier 07: not an NPI
    assert r["paid_date"] == D("2024-01-20")


def test_pitfall_13_denial_filters(built: Path) -> None:
    phys = [(r["claim_line_number"], r["paid_amount"]) for r in claim(built, "3801")]
    assert phys == [(1, 1.0), (4, 4.0)]
    dme = [(r["claim_line_number"], r["paid_amount"]) for r in claim(built, "3811")]
    assert dme == [(2, 6.0)]
    assert claim(built, "3821") == []


def test_pitfall_20_claim_type_code_and_dme_npis(built: Path) -> None:
    (d,) = claim(built, "3811")
    assert (
        d["x_claim_type_code"],
        d["rendering_npi"],
        d["x_ordering_npi"],
        d["billing_npi"],
        d["place_of_service_code"],
        d["hcpcs_modifier_1"],
    ) == ("82", None, "1111111112", "1555555550", "12", None)
    p = claim(built, "3801")[0]
    assert (
        p["x_claim_type_code"],
        p["rendering_npi"],
        p["rendering_tin"],
        p["x_claim_provider_specialty_code"],
        p["diagnosis_code_1"],
        p["diagnosis_code_type"],
    ) == ("71", "1234567893", "123456789", "08", "I10", "icd-10-cm")
    assert claim(built, "1201")[0]["x_claim_type_code"] == "60"


def test_pitfall_14_18_file_date_and_null_codes(built: Path) -> None:
    (r,) = claim(built, "3901")
    assert (r["file_date"], r["ingest_datetime"]) == (D("2024-01-15"), dt.datetime(2024, 1, 15))
    assert (r["discharge_disposition_code"], r["x_ccn"], r["bill_type_code"], r["drg_code_type"], r["drg_code"]) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert (r["paid_amount"], r["paid_date"]) == (-5.0, None)  # signed; 1000-01-01 -> NULL
    assert r["in_network_flag"] is True


def test_weekly_excluded_by_default(built: Path, built_vars: Path) -> None:
    assert claim(built, "3991") == []
    assert [r["x_delivery_kind"] for r in claim(built_vars, "3991")] == ["weekly"]
    assert claim(built, "3601")[0]["x_delivery_kind"] in ("regular", "run-out")


# ---------------------------------------------------------------------------------------------
# eligibility (§8, §9.3): gap, MBI change, death, no CCLF8; pitfalls 15-17, 21
# ---------------------------------------------------------------------------------------------


def test_eligibility_gap_and_demographics(built: Path) -> None:
    got = person(built, "1EG0AA0AA01")
    assert [(r["enrollment_start_date"], r["enrollment_end_date"]) for r in got] == [
        (D("2024-01-01"), D("2024-02-29")),
        (D("2024-04-01"), D("2024-05-31")),
    ]
    r = got[0]
    assert (r["gender"], r["race"], r["ethnicity"], r["dual_status_code"]) == (
        "male",
        "other race",
        "Hispanic or Latino",
        None,
    )  # pitfall 21
    assert (r["address"], r["city"], r["state"], r["zip_code"]) == (
        "1 MAIN ST, APT 3",
        "BALTIMORE",
        "MD",
        "21244-1850",
    )  # pitfall 17
    assert (r["death_date"], r["death_flag"], r["birth_date"]) == (None, False, D("1950-06-01"))
    assert (r["payer"], r["payer_type"], r["plan"], r["subscriber_relation"]) == (
        "medicare",
        "medicare",
        "medicare",
        "self",
    )
    assert (r["x_fips_state_code"], r["x_medicare_entitlement_buyin_indicator"]) == ("24", "C")
    assert r["file_date"] == D("2024-01-15")


def test_eligibility_mbi_change_one_span(built: Path) -> None:
    """Pitfall 16: crosswalk, distinct months, then spans."""
    got = person(built, "1EM0NEW0A01")
    assert [(r["enrollment_start_date"], r["enrollment_end_date"], r["last_name"], r["zip_code"]) for r in got] == [
        (D("2024-01-01"), D("2024-04-30"), "NEWNAME", "21244")
    ]
    assert person(built, "1EM0OLD0A01") == []


def test_eligibility_latest_cclf8(built: Path) -> None:
    """Pitfall 15: the latest CCLF8, not the one of the span's end month."""
    (r,) = person(built, "1EL0AA0AA01")
    assert (r["last_name"], r["dual_status_code"], r["file_date"]) == ("LATEST", "04", D("2024-03-15"))


def test_eligibility_death_from_earlier_delivery(built: Path) -> None:
    (r,) = person(built, "1ED0AA0AA01")
    assert (r["death_date"], r["death_flag"], r["race"]) == (D("2024-03-10"), True, "american indian or alaska native")


def test_eligibility_without_cclf8_and_cclf8_without_enrollment(built: Path) -> None:
    (r,) = person(built, "1EN0AA0AA01")
    assert (r["gender"], r["race"], r["birth_date"], r["file_name"], r["enrollment_end_date"]) == (
        "unknown",
        "unknown",
        None,
        None,
        D("2024-06-30"),
    )
    assert person(built, "1EX0AA0AA01") == []


def test_eligibility_source_cclf8(built_vars: Path) -> None:
    got = person(built_vars, "1EG0AA0AA01")
    assert [(r["enrollment_start_date"], r["enrollment_end_date"]) for r in got] == [(D("2024-01-01"), D("2024-01-31"))]


# ---------------------------------------------------------------------------------------------
# missing raw tables (§0) and pitfall 23 (every rule above runs on data, not header-only seeds)
# ---------------------------------------------------------------------------------------------


def test_build_without_any_raw_table(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    RawCclf().write(db, codes=(), with_alr=False)
    result = run_cclf_build(db, tmp_path)
    assert result.success, result.failures
    assert query(db, "select count(*) from input_layer.medical_claim") == [(0,)]
    assert query(db, "select count(*) from input_layer.eligibility") == [(0,)]


def test_build_with_a_raw_column_missing(built: Path, tmp_path: Path) -> None:
    """Layout drift: a column the layout lists is absent from the raw table -> NULL, not a failed build."""
    db = tmp_path / "drift.duckdb"
    build_scenarios().write(db)
    with_column = query(built, "select count(*), count(x_daw_product_selection_code) from input_layer.pharmacy_claim")
    assert with_column[0][1] > 0  # the scenario fixture fills the column, so NULLs below are the drift
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("alter table raw_data.partd_claims drop column clm_daw_prod_slctn_cd")
    con.close()
    result = run_cclf_build(db, tmp_path)
    assert result.success, result.failures
    assert query(db, "select count(*), count(x_daw_product_selection_code) from input_layer.pharmacy_claim") == [
        (with_column[0][0], 0)]
