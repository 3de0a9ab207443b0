"""Deterministic synthetic CCLF deliveries: monthly bundles, a run-out, adjustments, MBI changes.

Writes bundle zips into the store layout ``{ACO}/{YEAR}/113/`` exactly as the Data Hub
delivers them, and returns the expected raw row count per table (the manifest).
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demo.synthetic.population import Beneficiary, Population
from tasks.families import CCLF_TABLES
from tasks.layouts import fixed_width_layout

ZIP_TIME = (2024, 1, 1, 0, 0, 0)
CCLF_CODE = "113"
DESCRIPTIONS = {
    "1": "Part A Claims Header File", "2": "Part A Claims Revenue Center Detail File",
    "3": "Part A Claims Procedure Code File", "4": "Part A Claims Diagnosis Code File",
    "5": "Part B Physicians File", "6": "Part B DME File", "7": "Part D File",
    "8": "Beneficiary Demographics File", "9": "Beneficiary XREF File",
    "A": "Part A BE and Demo Codes File", "B": "Part B BE and Demo Codes File",
}
ICD10 = ["E119", "I10", "J449", "N183", "M1990", "F329", "E785", "I2510", "Z0000", "R0789"]
HCPCS = ["99213", "99214", "99215", "93000", "80053", "85025", "G0439", "36415", "71046"]
REV_CENTERS = ["0450", "0300", "0250", "0320", "0636", "0001"]
NDC = ["00093505698", "00378018101", "68180051301", "00071015523", "65862010199"]


def amount(value: float, width: int) -> str:
    """CMS signed amount: first character '-' or blank, zero-padded, two decimals."""
    return ("-" if value < 0 else " ") + f"{abs(value):0{width - 1}.2f}"


class RecordWriter:
    """Formats a dict of lower-case field names into one fixed-width record of a layout."""

    def __init__(self, file_type: str) -> None:
        self.layout = fixed_width_layout(file_type)
        self.fields = self.layout.fields
        # one format string per layout: each field left-justified and cut to its width
        self._format = "".join(f"{{{i}:<{f.length}.{f.length}}}" for i, f in enumerate(self.fields))
        self._fields = [(f.name, f.length) for f in self.fields]

    def line(self, values: dict[str, object]) -> str:
        get = values.get
        return self._format.format(*[_text(get(name), width) for name, width in self._fields])


def _text(value: object, width: int) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, float):
        return amount(value, width)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class _Claim:
    kind: str  # 'A', 'B', 'DME', 'D'
    lines: dict[str, list[dict[str, object]]]  # CCLF type -> records


@dataclass
class _State:
    rng: random.Random
    next_id: int = 987_650_000
    next_cntl: int = 1
    history: list[_Claim] = field(default_factory=list)

    def claim_id(self) -> str:
        self.next_id += self.rng.randrange(1, 400)
        return str(self.next_id)

    def control(self) -> str:
        self.next_cntl += 1
        return f"CN{self.next_cntl:012d}"


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))


def _part_a(st: _State, b: Beneficiary, day: dt.date, effective: dt.date) -> _Claim:
    rng = st.rng
    cid, mbi = st.claim_id(), b.mbi_on(day)
    inpatient = rng.random() < 0.3
    through = day + dt.timedelta(days=rng.randrange(2, 6)) if inpatient else day
    ccn = f"{rng.randrange(10, 99)}{rng.randrange(0, 9999):04d}"
    lines = []
    n_lines = rng.randrange(1, 4)
    paid_lines = [round(rng.uniform(50, 900), 2) for _ in range(n_lines)]
    for i in range(n_lines):
        lines.append({"cur_clm_uniq_id": cid, "clm_line_num": str(i + 1), "bene_mbi_id": mbi,
                      "clm_type_cd": "60" if inpatient else "40", "clm_line_from_dt": day,
                      "clm_line_thru_dt": through, "clm_line_prod_rev_ctr_cd": REV_CENTERS[i % 6],
                      "clm_line_hcpcs_cd": rng.choice(HCPCS), "prvdr_oscar_num": ccn,
                      "clm_from_dt": day, "clm_thru_dt": through, "clm_line_srvc_unit_qty": 1.0,
                      "clm_line_cvrd_pd_amt": paid_lines[i]})
    total = round(sum(paid_lines), 2)
    header = {"cur_clm_uniq_id": cid, "prvdr_oscar_num": ccn, "bene_mbi_id": mbi,
              "clm_type_cd": "60" if inpatient else "40", "clm_from_dt": day, "clm_thru_dt": through,
              "clm_bill_fac_type_cd": "1", "clm_bill_clsfctn_cd": "1" if inpatient else "3",
              "prncpl_dgns_cd": rng.choice(ICD10), "clm_pmt_amt": total,
              "bene_ptnt_stus_cd": "1", "dgns_drg_cd": f"0{rng.randrange(100, 999)}" if inpatient else None,
              "fac_prvdr_npi_num": str(rng.randrange(10**9, 2 * 10**9)),
              "atndg_prvdr_npi_num": b.clinician.npi, "clm_adjsmt_type_cd": "00",
              "clm_efctv_dt": effective, "clm_idr_ld_dt": effective,
              "clm_admsn_type_cd": "1" if inpatient else None, "clm_admsn_src_cd": "1" if inpatient else None,
              "clm_bill_freq_cd": "1", "dgns_prcdr_icd_ind": "0",
              "clm_mdcr_instnl_tot_chrg_amt": round(total * 2.5, 2), "clm_blg_prvdr_oscar_num": ccn,
              "clm_blg_prvdr_npi_num": str(rng.randrange(10**9, 2 * 10**9)), "clm_cntl_num": st.control()}
    dx = [{"cur_clm_uniq_id": cid, "bene_mbi_id": mbi, "clm_type_cd": header["clm_type_cd"],
           "clm_prod_type_cd": "P" if i == 0 else "D", "clm_val_sqnc_num": f"{i + 1:02d}",
           "clm_dgns_cd": header["prncpl_dgns_cd"] if i == 0 else rng.choice(ICD10), "prvdr_oscar_num": ccn,
           "clm_from_dt": day, "clm_thru_dt": through, "clm_poa_ind": "Y", "dgns_prcdr_icd_ind": "0",
           "clm_blg_prvdr_oscar_num": ccn} for i in range(rng.randrange(1, 5))]
    px = [{"cur_clm_uniq_id": cid, "bene_mbi_id": mbi, "clm_type_cd": "60", "clm_val_sqnc_num": "01",
           "clm_prcdr_cd": "0DTJ4ZZ", "clm_prcdr_prfrm_dt": day, "prvdr_oscar_num": ccn, "clm_from_dt": day,
           "clm_thru_dt": through, "dgns_prcdr_icd_ind": "0", "clm_blg_prvdr_oscar_num": ccn}] if inpatient else []
    extra = [{"cur_clm_uniq_id": cid, "bene_mbi_id": mbi, "clm_type_cd": header["clm_type_cd"],
              "clm_demo_1st_num": "77"}] if rng.random() < 0.2 else []
    return _Claim("A", {"1": [header], "2": lines, "3": px, "4": dx, "A": extra})


def _part_b(st: _State, b: Beneficiary, day: dt.date, effective: dt.date, dme: bool) -> _Claim:
    rng = st.rng
    cid, mbi, cntl = st.claim_id(), b.mbi_on(day), st.control()
    lines, extra = [], []
    for i in range(rng.randrange(1, 4)):
        paid = round(rng.uniform(15, 250), 2)
        line = {"cur_clm_uniq_id": cid, "clm_line_num": str(i + 1), "bene_mbi_id": mbi,
                "clm_type_cd": "82" if dme else "71", "clm_from_dt": day, "clm_thru_dt": day,
                "clm_pos_cd": "12" if dme else "11", "clm_line_from_dt": day, "clm_line_thru_dt": day,
                "clm_line_hcpcs_cd": "E0601" if dme else rng.choice(HCPCS), "clm_line_cvrd_pd_amt": paid,
                "clm_carr_pmt_dnl_cd": "1", "clm_prcsg_ind_cd": "A", "clm_adjsmt_type_cd": "0",
                "clm_efctv_dt": effective, "clm_idr_ld_dt": effective, "clm_cntl_num": cntl,
                "clm_line_alowd_chrg_amt": round(paid * 1.25, 2)}
        if dme:
            line.update({"payto_prvdr_npi_num": str(rng.randrange(10**9, 2 * 10**9)),
                         "ordrg_prvdr_npi_num": b.clinician.npi})
        else:
            line.update({"clm_prvdr_spclty_cd": "08", "clm_line_dgns_cd": rng.choice(ICD10),
                         "clm_rndrg_prvdr_tax_num": b.clinician.tin, "rndrg_prvdr_npi_num": b.clinician.npi,
                         "clm_line_srvc_unit_qty": 1.0, "clm_dgns_1_cd": rng.choice(ICD10),
                         "clm_dgns_2_cd": rng.choice(ICD10), "dgns_prcdr_icd_ind": "0"})
        lines.append(line)
        if not dme and rng.random() < 0.1:
            extra.append({"cur_clm_uniq_id": cid, "clm_line_num": str(i + 1), "bene_mbi_id": mbi,
                          "clm_type_cd": "71", "clm_demo_1st_num": "77"})
    return _Claim("DME" if dme else "B", {"6" if dme else "5": lines, "B": extra})


def _part_d(st: _State, b: Beneficiary, day: dt.date, effective: dt.date) -> _Claim:
    rng = st.rng
    rec = {"cur_clm_uniq_id": st.claim_id(), "bene_mbi_id": b.mbi_on(day), "clm_line_ndc_cd": rng.choice(NDC),
           "clm_type_cd": "01", "clm_line_from_dt": day, "prvdr_srvc_id_qlfyr_cd": "01",
           "clm_srvc_prvdr_gnrc_id_num": str(rng.randrange(10**9, 2 * 10**9)), "clm_dspnsng_stus_cd": "P",
           "clm_daw_prod_slctn_cd": "0", "clm_line_srvc_unit_qty": float(rng.choice([30, 60, 90])),
           "clm_line_days_suply_qty": str(rng.choice([30, 90])), "prvdr_prsbng_id_qlfyr_cd": "01",
           "clm_prsbng_prvdr_gnrc_id_num": b.clinician.npi, "clm_line_bene_pmt_amt": round(rng.uniform(0, 45), 2),
           "clm_adjsmt_type_cd": "0", "clm_efctv_dt": effective, "clm_idr_ld_dt": effective,
           "clm_line_rx_srvc_rfrnc_num": str(rng.randrange(10**8, 10**9)), "clm_line_rx_fill_num": "1",
           "clm_phrmcy_srvc_type_cd": "01"}
    return _Claim("D", {"7": [rec]})


def _revise(st: _State, original: _Claim, effective: dt.date) -> list[_Claim]:
    """A cancellation of ``original`` and, usually, an adjustment with a new amount."""
    out = []
    codes = ["1", "2"] if st.rng.random() < 0.8 else ["1"]
    for code in codes:
        new_id = st.claim_id()
        new_cntl = st.control()
        recs: dict[str, list[dict[str, object]]] = {}
        for ftype, rows in original.lines.items():
            copies = []
            for row in rows:
                r = dict(row, cur_clm_uniq_id=new_id)
                if "clm_adjsmt_type_cd" in r:
                    r["clm_adjsmt_type_cd"] = ("0" + code) if original.kind == "A" else code
                if "clm_efctv_dt" in r:
                    r["clm_efctv_dt"] = effective
                if "clm_cntl_num" in r:
                    r["clm_org_cntl_num"] = row["clm_cntl_num"] if original.kind == "A" else None
                    r["clm_cntl_num"] = new_cntl if original.kind == "A" else row["clm_cntl_num"]
                if code == "2":
                    for amt in ("clm_pmt_amt", "clm_line_cvrd_pd_amt", "clm_line_bene_pmt_amt"):
                        if isinstance(r.get(amt), float):
                            r[amt] = round(r[amt] * 1.1, 2)  # type: ignore[operator]
                copies.append(r)
            recs[ftype] = copies
        if original.kind == "A" and code == "2":
            recs["1"][0]["clm_pmt_amt"] = round(sum(x["clm_line_cvrd_pd_amt"] for x in recs["2"]), 2)  # type: ignore[misc]
        out.append(_Claim(original.kind, recs))
    return out


@dataclass
class CclfManifest:
    rows: Counter[str] = field(default_factory=Counter)  # raw table -> rows
    files: list[str] = field(default_factory=list)  # store-relative bundle paths
    members: int = 0
    # Parts A and B paid as first delivered, by (beneficiary index, year, month) of service:
    # what the expenditure reports of demo/synthetic/reports.py are made consistent with
    paid: Counter[tuple[int, int, int]] = field(default_factory=Counter)


def _paid(claim: _Claim) -> float:
    """Parts A and B paid amount of a claim (Part D is not in CMS's expenditure)."""
    if claim.kind == "D":
        return 0.0
    return sum(float(line["clm_line_cvrd_pd_amt"]) for t in ("2", "5", "6")  # type: ignore[arg-type]
               for line in claim.lines.get(t, []))


def write_cclf_deliveries(
    pop: Population,
    store_root: Path,
    months: list[tuple[int, int]] | None = None,
    *,
    claims_scale: float = 1.0,
    runout: bool = True,
) -> CclfManifest:
    """Write monthly CCLF bundles (plus a run-out bundle) for the population into the store."""
    rng = random.Random(pop.seed * 1009 + 13)
    st = _State(rng)
    months = months or [(pop.performance_years[0], m) for m in range(1, 7)]
    manifest = CclfManifest()
    writers = {t: RecordWriter(f"CCLF{t}") for t in "123456789AB"}
    stamp = 1_000_000
    for index, (year, month) in enumerate(months):
        delivered = _month_end(year, month) + dt.timedelta(days=15)
        service_month_start = dt.date(year, month, 1)
        claims: list[_Claim] = []
        for b in pop.beneficiaries:
            if b.death_date and b.death_date < service_month_start:
                continue
            for kind, rate in (("A", 0.08), ("B", 0.6), ("DME", 0.05), ("D", 0.5)):
                expected = rate * claims_scale
                count = int(expected) + (rng.random() < expected - int(expected))
                for _ in range(count):
                    day = service_month_start + dt.timedelta(days=rng.randrange(0, 27))
                    if kind == "A":
                        claims.append(_part_a(st, b, day, delivered))
                    elif kind == "D":
                        claims.append(_part_d(st, b, day, delivered))
                    else:
                        claims.append(_part_b(st, b, day, delivered, kind == "DME"))
                    manifest.paid[(b.index, year, month)] += _paid(claims[-1])
        if index > 0:
            for original in rng.sample(st.history, k=max(1, len(st.history) // 40)):
                if original.kind != "D":
                    claims.extend(_revise(st, original, delivered))
        st.history.extend(c for c in claims if c.kind != "D")
        stamp += 1111
        _write_bundle(pop, store_root, year, delivered, stamp, "Y", claims, writers, manifest)
    if runout and months:
        year, month = months[-1]
        delivered = _month_end(year, month) + dt.timedelta(days=45)
        repeat = st.history[-max(1, len(st.history) // 20):]  # exact re-deliveries
        stamp += 1111
        _write_bundle(pop, store_root, year, delivered, stamp, "R", repeat, writers, manifest)
    return manifest


def _write_bundle(pop: Population, store_root: Path, year: int, delivered: dt.date, stamp: int, kind: str,
                  claims: list[_Claim], writers: dict[str, RecordWriter], manifest: CclfManifest) -> None:
    yy = f"{year % 100:02d}"
    d = delivered.strftime("%y%m%d")
    records: dict[str, list[str]] = {t: [] for t in "123456789AB"}
    for claim in claims:
        for ftype, rows in claim.lines.items():
            records[ftype].extend(writers[ftype].line(r) for r in rows)
    for b in pop.beneficiaries:
        records["8"].append(writers["8"].line(_demographics(b, delivered)))
        if b.previous_mbi and b.mbi_change_date and b.mbi_change_date <= delivered:
            records["9"].append(writers["9"].line({
                "hicn_mbi_xref_ind": "M", "crnt_num": b.mbi, "prvs_num": b.previous_mbi,
                "prvs_id_efctv_dt": b.mbi_change_date - dt.timedelta(days=365 * 3),
                "prvs_id_obslt_dt": b.mbi_change_date - dt.timedelta(days=1)}))
    folder = store_root / pop.aco_id / str(year) / CCLF_CODE
    folder.mkdir(parents=True, exist_ok=True)
    bundle = f"P.{pop.aco_id}.ACO.ZC{kind}{yy}.D{d}.T{stamp:07d}.zip"
    with zipfile.ZipFile(folder / bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        summary = ["File Number  |File Description    |Total Records Count |Record Length"]
        for ftype in "123456789AB":
            member = f"P.{pop.aco_id}.ACO.ZC{ftype}{kind}{yy}.D{d}.T{stamp + int(ftype, 16):07d}"
            body = "\n".join(records[ftype]) + ("\n" if records[ftype] else "")
            zf.writestr(zipfile.ZipInfo(member, ZIP_TIME), body, zipfile.ZIP_DEFLATED)
            length = writers[ftype].layout.record_length
            summary.append(f"{'CCLF' + ftype:<7}|{DESCRIPTIONS[ftype]:<43}|{len(records[ftype]):>11}|{length:>5} ")
            manifest.rows[CCLF_TABLES[ftype]] += len(records[ftype])
            manifest.members += 1
        zero = f"P.{pop.aco_id}.ACO.ZC0{kind}{yy}.D{d}.T{stamp:07d}"
        zf.writestr(zipfile.ZipInfo(zero, ZIP_TIME), "\n".join(summary) + "\n", zipfile.ZIP_DEFLATED)
        manifest.rows[CCLF_TABLES["0"]] += len(summary) - 1
        manifest.members += 1
    manifest.files.append(f"{pop.aco_id}/{year}/{CCLF_CODE}/{bundle}")


def _demographics(b: Beneficiary, delivered: dt.date) -> dict[str, object]:
    state, fips, city, zip5 = b.state
    age = delivered.year - b.birth_date.year
    return {"bene_mbi_id": b.mbi_on(delivered), "bene_fips_state_cd": fips, "bene_fips_cnty_cd": "001",
            "bene_zip_cd": zip5, "bene_dob": b.birth_date, "bene_sex_cd": b.sex, "bene_race_cd": b.race,
            "bene_age": str(age), "bene_mdcr_stus_cd": "10", "bene_dual_stus_cd": b.dual_status,
            "bene_death_dt": b.death_date if b.death_date and b.death_date <= delivered else None,
            "bene_rng_bgn_dt": dt.date(delivered.year, 1, 1), "bene_rng_end_dt": delivered,
            "bene_1st_name": b.first_name, "bene_last_name": b.last_name, "bene_orgnl_entlmt_rsn_cd": "0",
            "bene_entlmt_buyin_ind": "3", "bene_line_1_adr": f"{100 + b.index} MAIN ST",
            "geo_zip_plc_name": city, "geo_usps_state_cd": state, "geo_zip5_cd": zip5}
