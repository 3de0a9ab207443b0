"""A small synthetic store rich in CCLF edge cases, for differential tests against other implementations.

It is the demo generator (same population, CCLF writer and ALR files) on a few months, plus an
extra CCLF bundle of hand-made cases that the demo rarely or never produces: denied claims, Part A
natural keys shared by two originals, NULL billing CCNs, NULL control numbers, padded and unpadded
adjustment codes, claim ids of different lengths, Part D cancellations, crosswalk chains (one link
delivered again in a second, later bundle). The demo's own output is unchanged: this module only
calls the demo writers. All values are synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demo.synthetic.alr import write_alr_files
from demo.synthetic.cclf import (
    RecordWriter,
    _Claim,
    _part_a,
    _part_b,
    _part_d,
    _State,
    _write_bundle,
    write_cclf_deliveries,
)
from demo.synthetic.population import Beneficiary, Population, make_mbi, make_population

EDGE_ACO_ID = "A9999"
MONTHS = [(2024, m) for m in range(1, 5)]
EDGE_DELIVERED = dt.date(2024, 7, 15)  # after the months' run-out
EDGE_REDELIVERED = dt.date(2024, 8, 15)
FIRST_ID = 400_000_000  # edge claim ids: 9 digits, below every demo id


@dataclass
class EdgeManifest:
    rows: Counter[str] = field(default_factory=Counter)  # raw table -> rows
    population: Population | None = None
    cases: dict[str, list[str]] = field(default_factory=dict)  # edge case -> claim ids / MBIs it wrote


def generate_edge_store(store_root: Path, *, beneficiaries: int = 30, seed: int = 13) -> EdgeManifest:
    """The demo ACO on ``MONTHS`` (CCLF + ALR) plus one bundle of edge cases, written into ``store_root``."""
    pop = make_population(EDGE_ACO_ID, n=beneficiaries, seed=seed)
    cclf = write_cclf_deliveries(pop, store_root, MONTHS)
    manifest = EdgeManifest(population=pop)
    claims, manifest.cases, redelivered = edge_claims(pop, random.Random(seed))
    writers = {t: RecordWriter(f"CCLF{t}") for t in "123456789AB"}
    _write_bundle(pop, store_root, 2024, EDGE_DELIVERED, 9_000_000, "Y", claims, writers, cclf)
    _write_bundle(pop, store_root, 2024, EDGE_REDELIVERED, 9_100_000, "Y", redelivered, writers, cclf)
    manifest.rows = Counter(cclf.rows)
    manifest.rows.update(write_alr_files(pop, store_root))
    return manifest


def _people(pop: Population) -> list[Beneficiary]:
    """Beneficiaries alive through the edge months, without an MBI change of their own."""
    return [b for b in pop.beneficiaries if not b.previous_mbi and not b.death_date]


def _set(claim: _Claim, **values: object) -> _Claim:
    """Set fields on every record of the claim's files that carry them (header and lines alike)."""
    for rows in claim.lines.values():
        for row in rows:
            for k, v in values.items():
                if k in row or v is not None:
                    row[k] = v
    return claim


def _copy(claim: _Claim, st: _State, cid: str | None = None, **values: object) -> _Claim:
    """A new version of ``claim`` (new claim id) with ``values`` set on every record."""
    new_id = cid or st.claim_id()
    lines = {t: [dict(r, cur_clm_uniq_id=new_id) for r in rows] for t, rows in claim.lines.items()}
    return _set(_Claim(claim.kind, lines), **values)


def _scale(claim: _Claim, factor: float) -> _Claim:
    for rows in claim.lines.values():
        for r in rows:
            for amt in ("clm_pmt_amt", "clm_line_cvrd_pd_amt", "clm_line_alowd_chrg_amt", "clm_line_bene_pmt_amt"):
                if isinstance(r.get(amt), float):
                    r[amt] = round(r[amt] * factor, 2)  # type: ignore[operator]
    if "1" in claim.lines and claim.lines["1"]:
        claim.lines["1"][0]["clm_pmt_amt"] = round(sum(x["clm_line_cvrd_pd_amt"]  # type: ignore[misc]
                                                       for x in claim.lines.get("2", [])), 2)
    return claim


def _ids(*claims: _Claim) -> list[str]:
    return sorted({str(r["cur_clm_uniq_id"]) for c in claims for rows in c.lines.values() for r in rows
                   if "cur_clm_uniq_id" in r})


def edge_claims(pop: Population, rng: random.Random
                ) -> tuple[list[_Claim], dict[str, list[str]], list[_Claim]]:
    """The hand-made cases: claims (and crosswalk rows, as pseudo-claims of CCLF9 records) by case, and
    the records delivered again in a later bundle."""
    st = _State(rng, next_id=FIRST_ID)
    people = _people(pop)
    early, late = dt.date(2024, 5, 6), EDGE_DELIVERED
    day = dt.date(2024, 5, 3)
    cases: dict[str, list[str]] = {}
    out: list[_Claim] = []

    def add(name: str, *claims: _Claim, ids: list[str] | None = None) -> None:
        out.extend(claims)
        cases[name] = ids if ids is not None else _ids(*claims)

    def pa(b: Beneficiary, **kw: object) -> _Claim:
        return _set(_part_a(st, b, day, early), **kw)

    def pb(b: Beneficiary, dme: bool = False, **kw: object) -> _Claim:
        return _set(_part_b(st, b, day, early, dme), **kw)

    p = iter(people)
    # denied claims: Part A non-payment reason, Part B / DME denial code, Part B processing indicator
    add("denied_parta", pa(next(p), clm_mdcr_npmt_rsn_cd="N"))
    add("denied_partb", pb(next(p), clm_carr_pmt_dnl_cd="0"), pb(next(p), clm_prcsg_ind_cd="D"))
    add("denied_dme", pb(next(p), dme=True, clm_carr_pmt_dnl_cd="0"))
    # NULL denial code / processing indicator: not a denial (cclf_semantics §3.1)
    add("partb_null_denial_fields", pb(next(p), clm_carr_pmt_dnl_cd=None), pb(next(p), clm_prcsg_ind_cd=None))
    # two originals sharing a Part A natural key, different control numbers (§3.3)
    b = next(p)
    first = pa(b)
    second = _copy(first, st, clm_cntl_num=st.control())
    add("parta_two_originals", first, _scale(second, 0.3))
    # two unrelated Part A claims with NULL billing CCN, same dates and MBI (§3.2 fallback)
    b = next(p)
    add("parta_null_billing_ccn", pa(b, clm_blg_prvdr_oscar_num=None, prvdr_oscar_num="110001"),
        pa(b, clm_blg_prvdr_oscar_num=None, prvdr_oscar_num="220002"))
    # two unrelated Part B claims with NULL control numbers (§3.2 fallback)
    b = next(p)
    add("partb_null_control_number", pb(b, clm_cntl_num=None), pb(b, clm_cntl_num=None))
    # Part A without control numbers: original and adjustment share the natural key (§3.3)
    b = next(p)
    orig = pa(b, clm_cntl_num=None)
    add("parta_null_control_number", orig, _scale(_copy(orig, st, clm_adjsmt_type_cd="02", clm_efctv_dt=late), 0.9))
    # Part A with unpadded codes: original '0', cancellation '1', adjustment '2'
    b = next(p)
    orig = pa(b, clm_adjsmt_type_cd="0")
    cntl = orig.lines["1"][0]["clm_cntl_num"]
    cancel = _copy(orig, st, clm_adjsmt_type_cd="1", clm_efctv_dt=late, clm_cntl_num=st.control(),
                   clm_org_cntl_num=cntl)
    adjust = _scale(_copy(orig, st, clm_adjsmt_type_cd="2", clm_efctv_dt=late, clm_cntl_num=st.control(),
                          clm_org_cntl_num=cntl), 1.2)
    add("parta_unpadded_adjustment", orig, cancel, adjust)
    # Part A padded: original '00' then a final cancellation '01' (the claim is gone)
    b = next(p)
    orig = pa(b)
    add("parta_padded_cancellation", orig, _copy(orig, st, clm_adjsmt_type_cd="01", clm_efctv_dt=late,
                                                 clm_cntl_num=st.control(),
                                                 clm_org_cntl_num=orig.lines["1"][0]["clm_cntl_num"]))
    # Part B padded: original '00', cancellation '01', adjustment '02' (same control number)
    b = next(p)
    orig = pb(b, clm_adjsmt_type_cd="00")
    add("partb_padded_adjustment", orig, _copy(orig, st, clm_adjsmt_type_cd="01", clm_efctv_dt=late),
        _scale(_copy(orig, st, clm_adjsmt_type_cd="02", clm_efctv_dt=late), 1.1))
    # Part B cancellation and adjustment on one effective date, ids of 9 and 10 digits (§3.5 example b)
    b = next(p)
    orig = pb(b, clm_adjsmt_type_cd="0")
    add("partb_claim_id_lengths", orig, _copy(orig, st, "399999998", clm_adjsmt_type_cd="1", clm_efctv_dt=late),
        _scale(_copy(orig, st, "1000000001", clm_adjsmt_type_cd="2", clm_efctv_dt=late), 1.2))
    # Part D: original then cancellation (gone); original then cancellation then adjustment
    b = next(p)
    d1 = _set(_part_d(st, b, day, early), clm_adjsmt_type_cd="0")
    d2 = _set(_part_d(st, b, day + dt.timedelta(days=1), early), clm_adjsmt_type_cd="0")
    add("partd_cancellation", d1, _copy(d1, st, clm_adjsmt_type_cd="1", clm_efctv_dt=late),
        d2, _copy(d2, st, clm_adjsmt_type_cd="1", clm_efctv_dt=late),
        _scale(_copy(d2, st, clm_adjsmt_type_cd="2", clm_efctv_dt=late), 1.5))
    # Part D: two beneficiaries' fills with the same pharmacy, date, reference and fill number
    b1, b2 = next(p), next(p)
    d1 = _set(_part_d(st, b1, day, early), clm_srvc_prvdr_gnrc_id_num="1999999999",
              clm_line_rx_srvc_rfrnc_num="555000111", clm_line_rx_fill_num="1")
    d2 = _set(_part_d(st, b2, day, early), clm_srvc_prvdr_gnrc_id_num="1999999999",
              clm_line_rx_srvc_rfrnc_num="555000111", clm_line_rx_fill_num="1")
    add("partd_key_without_mbi", d1, d2)
    # crosswalk chains A -> B -> C in one file, claims under the oldest MBI A (§2); the second chain's
    # B -> C row is delivered again in a later file (the connector's self-join then fans out)
    seen = {x.mbi for x in pop.beneficiaries} | {x.previous_mbi for x in pop.beneficiaries if x.previous_mbi}
    redelivered: list[_Claim] = []
    for name in ("crosswalk_chain", "crosswalk_chain_redelivered"):
        b = next(p)
        oldest, middle = make_mbi(rng), make_mbi(rng)
        while oldest in seen or middle in seen or oldest == middle:
            oldest, middle = make_mbi(rng), make_mbi(rng)
        seen |= {oldest, middle}
        chain = [_set(pa(b), bene_mbi_id=oldest), _set(pb(b), bene_mbi_id=oldest)]
        if name == "crosswalk_chain":  # (the connector picks a fanned-out Part D row at random: none there)
            chain.append(_set(_part_d(st, b, day, early), bene_mbi_id=oldest))
        last_hop = {"hicn_mbi_xref_ind": "M", "crnt_num": b.mbi, "prvs_num": middle,
                    "prvs_id_efctv_dt": dt.date(2023, 1, 1), "prvs_id_obslt_dt": dt.date(2023, 12, 31)}
        xref = _Claim("X", {"9": [
            {"hicn_mbi_xref_ind": "M", "crnt_num": middle, "prvs_num": oldest,
             "prvs_id_efctv_dt": dt.date(2020, 1, 1), "prvs_id_obslt_dt": dt.date(2022, 12, 31)}, last_hop]})
        add(name, *chain, xref, ids=_ids(*chain) + [oldest, middle, b.mbi])
        if name.endswith("redelivered"):
            redelivered.append(_Claim("X", {"9": [dict(last_hop)]}))
    return out, cases, redelivered
