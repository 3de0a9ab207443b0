"""One raw CCLF fixture holding every dbt/cclf scenario side by side (cclf_semantics.md).

Each scenario uses its own claim ids and MBIs, so one dbt build serves all assertions in
tests/integration/test_dbt_cclf.py. All identifiers are synthetic.
"""

from __future__ import annotations

from typing import Any

from cclf_fixtures import RawCclf, cclf_name

JAN = {"d": "240115", "t": "1000001"}
MAR = {"d": "240315", "t": "1000002"}
RUNOUT = {"d": "240415", "t": "1000003", "kind": "R"}
WEEKLY = {"d": "240322", "t": "1000004", "kind": "WY"}


def f(code: str, when: dict[str, str]) -> str:
    return cclf_name(code, **when)


def part_a(
    raw: RawCclf,
    claim_id: str,
    mbi: str,
    *,
    paid: str,
    file: dict = JAN,
    ccn: str | None = "010001",
    frm: str = "2024-01-02",
    thru: str = "2024-01-05",
    adj: str = "0",
    eff: str = "2024-01-10",
    cntl: str | None = None,
    org: str | None = None,
    chrg: str | None = None,
    **extra: Any,
) -> None:
    values = dict(
        cur_clm_uniq_id=claim_id,
        bene_mbi_id=mbi,
        clm_type_cd="60",
        clm_from_dt=frm,
        clm_thru_dt=thru,
        clm_bill_fac_type_cd="1",
        clm_bill_clsfctn_cd="1",
        clm_bill_freq_cd="1",
        clm_pmt_amt=paid,
        clm_adjsmt_type_cd=adj,
        clm_efctv_dt=eff,
        dgns_prcdr_icd_ind="0",
        clm_mdcr_instnl_tot_chrg_amt=chrg,
        clm_blg_prvdr_oscar_num=ccn,
        prvdr_oscar_num=ccn,
        clm_cntl_num=cntl,
        clm_org_cntl_num=org,
        fac_prvdr_npi_num="1999999984",
        bene_ptnt_stus_cd="1",
    )
    values.update(extra)
    raw.add("1", f("1", file), **values)


def rev_line(raw: RawCclf, claim_id: str, line: str, rev: str, paid: str, file: dict = JAN, **extra: Any) -> None:
    values = dict(
        cur_clm_uniq_id=claim_id,
        clm_line_num=line,
        clm_line_prod_rev_ctr_cd=rev,
        clm_line_cvrd_pd_amt=paid,
        clm_line_from_dt="2024-01-02",
        clm_line_thru_dt="2024-01-03",
        clm_line_hcpcs_cd="99213",
        clm_line_srvc_unit_qty="1",
    )
    values.update(extra)
    raw.add("2", f("2", file), **values)


def dx(
    raw: RawCclf,
    claim_id: str,
    mbi: str,
    seq: str,
    code: str,
    prod: str = "D",
    file: dict = JAN,
    ind: str = "0",
    poa: str | None = "Y",
) -> None:
    raw.add(
        "4",
        f("4", file),
        cur_clm_uniq_id=claim_id,
        bene_mbi_id=mbi,
        clm_prod_type_cd=prod,
        clm_val_sqnc_num=seq,
        clm_dgns_cd=code,
        clm_poa_ind=poa,
        dgns_prcdr_icd_ind=ind,
    )


def px(raw: RawCclf, claim_id: str, mbi: str, seq: str, code: str, date: str, file: dict = JAN, ind: str = "0") -> None:
    raw.add(
        "3",
        f("3", file),
        cur_clm_uniq_id=claim_id,
        bene_mbi_id=mbi,
        clm_val_sqnc_num=seq,
        clm_prcdr_cd=code,
        clm_prcdr_prfrm_dt=date,
        dgns_prcdr_icd_ind=ind,
    )


def part_b(
    raw: RawCclf,
    claim_id: str,
    line: str,
    mbi: str,
    *,
    paid: str,
    allowed: str | None = None,
    file: dict = JAN,
    adj: str = "0",
    eff: str = "2024-01-10",
    cntl: str | None = None,
    **extra: Any,
) -> None:
    values = dict(
        cur_clm_uniq_id=claim_id,
        clm_line_num=line,
        bene_mbi_id=mbi,
        clm_type_cd="71",
        clm_from_dt="2024-01-02",
        clm_thru_dt="2024-01-02",
        clm_pos_cd="11",
        clm_line_from_dt="2024-01-02",
        clm_line_thru_dt="2024-01-02",
        clm_line_hcpcs_cd="99214",
        clm_line_cvrd_pd_amt=paid,
        clm_line_alowd_chrg_amt=allowed,
        clm_adjsmt_type_cd=adj,
        clm_efctv_dt=eff,
        clm_cntl_num=cntl,
        clm_carr_pmt_dnl_cd="1",
        clm_prcsg_ind_cd="A",
        rndrg_prvdr_npi_num="1234567893",
        clm_rndrg_prvdr_tax_num="123456789",
        clm_prvdr_spclty_cd="08",
        dgns_prcdr_icd_ind="0",
        clm_dgns_1_cd="I10",
        clm_line_srvc_unit_qty="1",
    )
    values.update(extra)
    raw.add("5", f("5", file), **values)


def dme(raw: RawCclf, claim_id: str, line: str, mbi: str, *, paid: str, file: dict = JAN, **extra: Any) -> None:
    values = dict(
        cur_clm_uniq_id=claim_id,
        clm_line_num=line,
        bene_mbi_id=mbi,
        clm_type_cd="82",
        clm_from_dt="2024-01-04",
        clm_thru_dt="2024-01-04",
        clm_pos_cd="12",
        clm_line_from_dt="2024-01-04",
        clm_line_thru_dt="2024-01-04",
        clm_line_hcpcs_cd="E0601",
        clm_line_cvrd_pd_amt=paid,
        clm_line_alowd_chrg_amt=paid,
        clm_adjsmt_type_cd="0",
        clm_efctv_dt="2024-01-12",
        clm_cntl_num=f"DME{claim_id}",
        clm_carr_pmt_dnl_cd="1",
        clm_prcsg_ind_cd="A",
        payto_prvdr_npi_num="1555555550",
        ordrg_prvdr_npi_num="1111111112",
        clm_blg_prvdr_npi_num="1666666661",
    )
    values.update(extra)
    raw.add("6", f("6", file), **values)


def part_d(
    raw: RawCclf,
    claim_id: str,
    mbi: str,
    *,
    adj: str = "0",
    eff: str = "2024-01-06",
    pmt: str = "5.00",
    file: dict = JAN,
    **extra: Any,
) -> None:
    values = dict(
        cur_clm_uniq_id=claim_id,
        bene_mbi_id=mbi,
        clm_line_ndc_cd="00002322730",
        clm_type_cd="01",
        clm_line_from_dt="2024-01-05",
        prvdr_srvc_id_qlfyr_cd="01",
        clm_srvc_prvdr_gnrc_id_num="1234567893",
        clm_dspnsng_stus_cd="P",
        clm_daw_prod_slctn_cd="0",
        clm_line_srvc_unit_qty="30.0000",
        clm_line_days_suply_qty="30",
        prvdr_prsbng_id_qlfyr_cd="01",
        clm_prsbng_prvdr_gnrc_id_num="1987654321",
        clm_line_bene_pmt_amt=pmt,
        clm_adjsmt_type_cd=adj,
        clm_efctv_dt=eff,
        clm_line_rx_srvc_rfrnc_num="000000000001",
        clm_line_rx_fill_num="1",
        clm_phrmcy_srvc_type_cd="01",
    )
    values.update(extra)
    raw.add("7", f("7", file), **values)


def demo(raw: RawCclf, mbi: str, file: dict = JAN, **extra: Any) -> None:
    values = dict(
        bene_mbi_id=mbi,
        bene_sex_cd="2",
        bene_race_cd="1",
        bene_dob="1950-06-01",
        bene_mdcr_stus_cd="10",
        bene_dual_stus_cd="NA",
        bene_orgnl_entlmt_rsn_cd="0",
        bene_1st_name="ANN",
        bene_last_name="SMITH",
        bene_line_1_adr="1 MAIN ST",
        geo_zip_plc_name="BALTIMORE",
        geo_usps_state_cd="MD",
        geo_zip5_cd="21244",
        bene_fips_state_cd="24",
        bene_fips_cnty_cd="005",
        bene_entlmt_buyin_ind="C",
    )
    values.update(extra)
    raw.add("8", f("8", file), **values)


def xref(raw: RawCclf, prvs: str | None, crnt: str | None, file: dict = JAN, eff: str = "2023-06-01") -> None:
    raw.add(
        "9",
        f("9", file),
        hicn_mbi_xref_ind="M",
        crnt_num=crnt,
        prvs_num=prvs,
        prvs_id_efctv_dt=eff,
        prvs_id_obslt_dt="9999-12-31",
    )


def build_scenarios() -> RawCclf:
    raw = RawCclf()

    # --- crosswalk (§2): chain, conflict, in-file conflict, cycle, self-map, NULL -------------
    xref(raw, "1XA0AA0AA01", "1XB0AA0AA01", JAN)  # A -> B (January)
    xref(raw, "1XB0AA0AA01", "1XC0AA0AA01", MAR)  # B -> C (March): A -> C, B -> C
    xref(raw, "1XX0AA0AA01", "1XY0AA0AA01", JAN)  # conflict: older statement
    xref(raw, "1XX0AA0AA01", "1XZ0AA0AA01", MAR)  # newer statement wins
    xref(raw, "1XK0AA0AA01", "1XM0AA0AA02", MAR)  # same file, same date:
    xref(raw, "1XK0AA0AA01", "1XM0AA0AA01", MAR)  # lowest crnt_num wins
    xref(raw, "1XP0AA0AA01", "1XQ0AA0AA01", JAN)  # cycle: oldest edge dropped
    xref(raw, "1XQ0AA0AA01", "1XP0AA0AA01", MAR)
    xref(raw, "1XS0AA0AA01", "1XS0AA0AA01", MAR)  # self-map ignored
    xref(raw, "1XN0AA0AA01", None, MAR)  # NULL ignored
    xref(raw, "1MB0OLD0A01", "1MB0NEW0A01", JAN)  # example (e)
    xref(raw, "1EM0OLD0A01", "1EM0NEW0A01", JAN)  # eligibility MBI change
    xref(raw, "1DX0OLD0A01", "1DX0NEW0A01", JAN)  # pitfall 1
    # a Part B line under the chain start: keyed to the end of the chain
    part_b(raw, "9101", "1", "1XA0AA0AA01", paid="15.00", cntl="PCHAIN1")

    # --- (a) Part A original 400, cancellation 400, adjustment 520 + lines equal (§4 a) ----
    part_a(raw, "1001", "1PA0AA0AA01", paid="400.00", chrg="1000.00", cntl="CA1", eff="2024-01-10")
    part_a(
        raw,
        "1002",
        "1PA0AA0AA01",
        paid="400.00",
        chrg="1000.00",
        cntl="CA2",
        org="CA1",
        adj="1",
        eff="2024-02-01",
        file=MAR,
    )
    part_a(
        raw,
        "1003",
        "1PA0AA0AA01",
        paid="520.00",
        chrg="1200.00",
        cntl="CA3",
        org="CA1",
        adj="2",
        eff="2024-02-01",
        file=MAR,
    )
    rev_line(raw, "1001", "1", "0450", "400.00")  # orphan (superseded)
    rev_line(raw, "1003", "1", "0450", "300.00", file=MAR)
    rev_line(raw, "1003", "2", "0001", "220.00", file=MAR)

    # --- §4 second branch: line sum 110 != header 100 -----------------------------------------
    part_a(raw, "1101", "1PA0AA0AA02", paid="100.00", chrg="500.00", cntl="CB1")
    rev_line(raw, "1101", "0000000001", "0300", "60.00")
    rev_line(raw, "1101", "02", "0301", "50.00")

    # --- header without lines; NPI cleanup; DRG; discharge status padding ---------------------
    part_a(
        raw,
        "1201",
        "1PA0AA0AA03",
        paid="75.00",
        chrg="90.00",
        cntl="CC1",
        frm="2024-02-01",
        thru="2024-02-03",
        dgns_drg_cd="0871",
        clm_admsn_type_cd="1",
        clm_admsn_src_cd="7",
        atndg_prvdr_npi_num="~",
        clm_atndg_prvdr_npi_num="2222222227",
        fac_prvdr_npi_num="0000000000",
        clm_blg_prvdr_npi_num="1777777772",
        prncpl_dgns_cd="A419",
    )

    # --- (d) two originals sharing a natural key -------------------------------------------------
    part_a(raw, "1301", "1PA0AA0AA04", paid="300.00", cntl="CD1")
    part_a(raw, "1302", "1PA0AA0AA04", paid="45.00", cntl="CD2")

    # --- (e) original under old MBI, cancellation + adjustment under new MBI ------------------
    part_a(raw, "1401", "1MB0OLD0A01", paid="40.00", cntl="CE1", eff="2024-01-10")
    part_a(raw, "1402", "1MB0NEW0A01", paid="40.00", cntl="CE2", org="CE1", adj="1", eff="2024-02-01", file=MAR)
    part_a(raw, "1403", "1MB0NEW0A01", paid="44.00", cntl="CE3", org="CE1", adj="2", eff="2024-02-01", file=MAR)

    # --- (b) Part B: cancellation 987654322 vs adjustment 1234567890 (numeric order) ----------
    part_b(raw, "2001", "1", "1PB0AA0AA01", paid="50.00", allowed="55.00", cntl="PBB1")
    part_b(
        raw,
        "987654322",
        "1",
        "1PB0AA0AA01",
        paid="50.00",
        allowed="55.00",
        cntl="PBB1",
        adj="1",
        eff="2024-02-01",
        file=MAR,
    )
    part_b(
        raw,
        "1234567890",
        "1",
        "1PB0AA0AA01",
        paid="60.00",
        allowed="66.00",
        cntl="PBB1",
        adj="2",
        eff="2024-02-01",
        file=MAR,
    )

    # --- (c) Part B original then cancellation: no row --------------------------------------------
    part_b(raw, "2101", "1", "1PB0AA0AA02", paid="30.00", cntl="PBC1")
    part_b(raw, "2102", "1", "1PB0AA0AA02", paid="30.00", cntl="PBC1", adj="1", eff="2024-02-01", file=MAR)

    # --- pitfall 1: diagnoses delivered under the old MBI -----------------------------------------
    part_a(raw, "3011", "1DX0NEW0A01", paid="20.00", cntl="P1C")
    dx(raw, "3011", "1DX0OLD0A01", "01", "E119", prod="P")
    px(raw, "3011", "1DX0OLD0A01", "01", "0DTJ4ZZ", "2024-01-03")

    # --- pitfall 2: diagnosis copies (regular + run-out, other MBI) do not fan out --------------
    part_a(raw, "3001", "1P20AA0AA01", paid="100.00", cntl="P2C")
    rev_line(raw, "3001", "1", "0450", "40.00")
    rev_line(raw, "3001", "2", "0300", "60.00")
    for when in (JAN, RUNOUT):
        dx(raw, "3001", "1P20AA0AA01", "1", "I10", prod="P", file=when)
        dx(raw, "3001", "1P20AA0AA99", "02", "E785", file=when)

    # --- pitfall 3: principal fallback; collision P before D; position 26 overflow -------------
    part_a(raw, "3101", "1P30AA0AA01", paid="10.00", cntl="P3A", prncpl_dgns_cd="J189")
    part_a(raw, "3102", "1P30AA0AA02", paid="10.00", cntl="P3B", prncpl_dgns_cd="J189")
    dx(raw, "3102", "1P30AA0AA02", "1", "Z0000", prod="D")
    dx(raw, "3102", "1P30AA0AA02", "1", "R69", prod="P")
    dx(raw, "3102", "1P30AA0AA02", "26", "Z9999", prod="D")

    # --- pitfall 4: code types (pcs), ICD-9 by indicator, blank indicator by date ---------------
    part_a(raw, "3201", "1P40AA0AA01", paid="10.00", cntl="P4A")
    px(raw, "3201", "1P40AA0AA01", "1", "0DTJ4ZZ", "2024-01-03")
    part_a(
        raw,
        "3202",
        "1P40AA0AA02",
        paid="10.00",
        cntl="P4B",
        frm="2015-09-01",
        thru="2015-09-30",
        dgns_prcdr_icd_ind="9",
        prncpl_dgns_cd="4019",
    )
    px(raw, "3202", "1P40AA0AA02", "1", "3893", "2015-09-02", ind="9")
    part_a(
        raw,
        "3203",
        "1P40AA0AA03",
        paid="10.00",
        cntl="P4C",
        frm="2015-09-01",
        thru="2015-09-30",
        dgns_prcdr_icd_ind=None,
        prncpl_dgns_cd="4019",
    )
    part_a(
        raw,
        "3204",
        "1P40AA0AA04",
        paid="10.00",
        cntl="P4D",
        frm="2016-01-01",
        thru="2016-01-02",
        dgns_prcdr_icd_ind=None,
        prncpl_dgns_cd="I10",
    )

    # --- pitfall 6: NULL CCN / NULL control number never group unrelated claims -----------------
    part_a(raw, "3301", "1P60AA0AA01", paid="100.00", ccn=None)
    part_a(raw, "3302", "1P60AA0AA01", paid="90.00", ccn=None, adj="2", eff="2024-02-01")
    part_a(raw, "3311", "1P60AA0AA02", paid="10.00", ccn=None, prvdr_oscar_num="020002", cntl="F1")
    part_a(
        raw,
        "3312",
        "1P60AA0AA02",
        paid="10.00",
        ccn=None,
        prvdr_oscar_num="020002",
        cntl="F2",
        org="F1",
        adj="1",
        eff="2024-02-01",
    )
    part_b(raw, "3321", "1", "1P60AA0AA03", paid="20.00", cntl=None)
    part_b(raw, "3322", "1", "1P60AA0AA03", paid="20.00", cntl=None, adj="1", eff="2024-02-01")
    # §3.3 rows without a control number
    part_a(raw, "3401", "1P60AA0AA04", paid="80.00")  # joins unseen root G1
    part_a(raw, "3402", "1P60AA0AA04", paid="90.00", cntl="G2", org="G1", adj="2", eff="2024-02-01")
    part_a(raw, "3411", "1P60AA0AA05", paid="11.00")  # originals: apart
    part_a(raw, "3412", "1P60AA0AA05", paid="12.00")
    part_a(raw, "3421", "1P60AA0AA06", paid="70.00")  # cancelled family
    part_a(raw, "3422", "1P60AA0AA06", paid="70.00", adj="1", eff="2024-02-01")

    # --- pitfall 7: re-delivered line with changed content, latest copy kept ------------------
    part_b(raw, "3501", "1", "1P70AA0AA01", paid="10.00", cntl="P7C")
    part_b(raw, "3501", "1", "1P70AA0AA01", paid="12.00", cntl="P7C", file=MAR)

    # --- pitfall 8: exact duplicates in the regular and the run-out file -----------------------
    for when in (JAN, RUNOUT):
        part_a(raw, "3601", "1P80AA0AA01", paid="100.00", cntl="P8C", file=when)
        rev_line(raw, "3601", "1", "0450", "100.00", file=when)

    # --- pitfall 12: Part D ---------------------------------------------------------------------
    part_d(raw, "4001", "1PD0AA0AA01", adj="0", eff="2024-01-06", pmt="5.00")
    part_d(raw, "4002", "1PD0AA0AA01", adj="2", eff="2024-01-20", pmt="7.50", file=MAR)
    part_d(raw, "4003", "1PD0AA0AA02", adj="0", pmt="3.00")  # same key, other MBI
    part_d(raw, "4011", "1PD0AA0AA03", pmt="1.00", prvdr_srvc_id_qlfyr_cd="07")
    part_d(raw, "40101", "1PD0AA0AA03", pmt="2.00", prvdr_srvc_id_qlfyr_cd="07")
    part_d(raw, "4021", "1PD0AA0AA04", pmt="4.00")
    part_d(raw, "4022", "1PD0AA0AA04", adj="1", eff="2024-02-01", pmt="4.00", file=MAR)

    # --- pitfall 13: denial filters (NULL is not a denial; DME filtered too) ------------------
    part_b(raw, "3801", "1", "1P13AA0AA01", paid="1.00", cntl="P13", clm_carr_pmt_dnl_cd=None, clm_prcsg_ind_cd=None)
    part_b(raw, "3801", "2", "1P13AA0AA01", paid="2.00", cntl="P13", clm_carr_pmt_dnl_cd="0")
    part_b(raw, "3801", "3", "1P13AA0AA01", paid="3.00", cntl="P13", clm_prcsg_ind_cd="Z")
    part_b(raw, "3801", "4", "1P13AA0AA01", paid="4.00", cntl="P13", clm_prcsg_ind_cd="a")
    dme(raw, "3811", "1", "1P13AA0AA02", paid="5.00", clm_carr_pmt_dnl_cd="0")
    dme(raw, "3811", "2", "1P13AA0AA02", paid="6.00", clm_carr_pmt_dnl_cd=None, clm_prcsg_ind_cd=None)
    dme(raw, "3811", "3", "1P13AA0AA02", paid="7.00", clm_prcsg_ind_cd="X")
    part_a(raw, "3821", "1P13AA0AA03", paid="9.00", cntl="P13A", clm_mdcr_npmt_rsn_cd="A")

    # --- pitfall 14 / 18: NULL raw file_date; NULL status and CCN stay NULL -------------------
    raw.add(
        "1",
        f("1", JAN),
        raw_file_date=None,
        cur_clm_uniq_id="3901",
        bene_mbi_id="1P14AA0AA01",
        clm_type_cd="40",
        clm_from_dt="2024-01-02",
        clm_thru_dt="2024-01-02",
        clm_pmt_amt="-5.00",
        clm_adjsmt_type_cd="0",
        clm_efctv_dt="1000-01-01",
        clm_bill_fac_type_cd="1",
        clm_bill_clsfctn_cd="3",
        clm_bill_freq_cd=None,
        dgns_prcdr_icd_ind="0",
    )

    # --- unparseable amount -> NULL and counted; NULL identity -> excluded and counted --------
    part_b(raw, "3951", "1", "1UP0AA0AA01", paid="8.00", allowed="12.3X", cntl="UP1")
    raw.add("1", f("1", JAN), cur_clm_uniq_id=None, bene_mbi_id="1UP0AA0AA02", clm_pmt_amt="1.00")

    # --- weekly files are excluded by default ----------------------------------------------------
    part_b(raw, "3991", "1", "1WK0AA0AA01", paid="9.00", cntl="WK1", file=WEEKLY)

    # --- eligibility (§8) ---------------------------------------------------------------------
    # gap: two spans; Hispanic race code; dual NA; address/zip NULL-safe; sentinel death
    raw.enroll("1EG0AA0AA01", "2024-01-01", "2024-02-29")
    raw.enroll("1EG0AA0AA01", "2024-04-01", "2024-05-31")
    demo(
        raw,
        "1EG0AA0AA01",
        JAN,
        bene_sex_cd="1",
        bene_race_cd="5",
        bene_line_2_adr=None,
        bene_line_3_adr="APT 3",
        geo_zip4_cd="1850",
        bene_death_dt="1000-01-01",
    )
    # MBI change: span under the old MBI, member months under the new one -> one span
    raw.enroll("1EM0OLD0A01", "2024-01-01", "2024-03-31")
    raw.enroll("1EM0NEW0A01", "2024-03-01", "2024-03-31", member_month="2024-03-01")
    raw.enroll("1EM0NEW0A01", "2024-04-01", "2024-04-30", member_month="2024-04-01")
    demo(raw, "1EM0OLD0A01", JAN, bene_last_name="OLDNAME")
    demo(raw, "1EM0NEW0A01", MAR, bene_last_name="NEWNAME", geo_zip4_cd="12")
    # latest CCLF8 even when the span ended before it (pitfall 15)
    raw.enroll("1EL0AA0AA01", "2024-01-01", "2024-02-29")
    demo(raw, "1EL0AA0AA01", JAN, bene_last_name="FIRST", bene_dual_stus_cd="2")
    demo(raw, "1EL0AA0AA01", MAR, bene_last_name="LATEST", bene_dual_stus_cd="4")
    # death date from an earlier delivery
    raw.enroll("1ED0AA0AA01", "2024-01-01", "2024-03-31")
    demo(raw, "1ED0AA0AA01", JAN, bene_death_dt="2024-03-10", bene_race_cd="6")
    demo(raw, "1ED0AA0AA01", MAR, bene_death_dt=None, bene_race_cd="6")
    # no CCLF8
    raw.enroll("1EN0AA0AA01", "2024-01-01", "2024-06-30")
    # CCLF8 without enrollment: no row
    demo(raw, "1EX0AA0AA01", JAN)
    return raw
