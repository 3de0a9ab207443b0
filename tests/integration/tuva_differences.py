"""Row-by-row differences between our ``input_layer`` and Tuva's ``medicare_cclf_connector``, and
their documented classes (docs/tuva_differences.md lists the same classes; a test keeps them in step).

A difference is one row: ``tbl`` (medical_claim, pharmacy_claim, eligibility), its key (``claim_id``,
``line``; eligibility: ``person_id``, ``start_date``), ``kind`` (``only_ours``, ``only_connector``,
``duplicate_connector``, ``value``) and, for ``value``, the compared columns that differ. Compared:
medical ``person_id, claim_type, claim_start_date, claim_end_date, paid_amount, allowed_amount``;
pharmacy ``person_id, dispensing_date, ndc_code`` and the beneficiary payment (our
``copayment_amount``, the connector's ``paid_amount``: a documented column mapping, cclf_semantics
§7); eligibility ``enrollment_end_date`` per ``(person_id, enrollment_start_date)``.

Each class is a SQL predicate over one difference ``d`` and the raw tables (``ours.raw_data``), with
our resolved crosswalk as ``xref``. The first class whose predicate holds names the difference.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

MEDICAL = ("person_id", "claim_type", "claim_start_date", "claim_end_date", "paid_amount", "allowed_amount")

DIFF_SQL = f"""
create or replace temp table d as
with o as (select claim_id, claim_line_number as line, person_id, claim_type, claim_start_date, claim_end_date,
                  round(paid_amount, 2) as paid_amount, round(allowed_amount, 2) as allowed_amount
           from ours.input_layer.medical_claim),
t_all as (select cast(claim_id as varchar) as claim_id, cast(claim_line_number as integer) as line,
                 person_id, claim_type, cast(claim_start_date as date) as claim_start_date,
                 cast(claim_end_date as date) as claim_end_date,
                 round(cast(paid_amount as double), 2) as paid_amount,
                 round(cast(allowed_amount as double), 2) as allowed_amount,
                 count(*) over (partition by claim_id, claim_line_number) as copies
          from tuva.input_layer.medical_claim),
t as (select * from t_all qualify row_number() over (partition by claim_id, line order by paid_amount) = 1),
m as (select 'medical_claim' as tbl, coalesce(o.claim_id, t.claim_id) as claim_id, coalesce(o.line, t.line) as line,
             coalesce(o.person_id, t.person_id) as person_id,
             case when t.claim_id is null then 'only_ours' when o.claim_id is null then 'only_connector'
                  when t.copies > 1 then 'duplicate_connector' else 'value' end as kind,
             concat_ws(',', {', '.join(f"case when o.{c} is distinct from t.{c} then '{c}' end" for c in MEDICAL)})
                 as columns
      from o full join t on o.claim_id = t.claim_id and o.line = t.line),
po as (select claim_id, person_id, dispensing_date, ndc_code, round(copayment_amount, 2) as payment
       from ours.input_layer.pharmacy_claim),
pt_all as (select cast(claim_id as varchar) as claim_id, person_id, cast(dispensing_date as date) as dispensing_date,
                  ndc_code, round(cast(paid_amount as double), 2) as payment,
                  count(*) over (partition by claim_id) as copies
           from tuva.input_layer.pharmacy_claim),
pt as (select * from pt_all qualify row_number() over (partition by claim_id order by payment) = 1),
p as (select 'pharmacy_claim' as tbl, coalesce(po.claim_id, pt.claim_id) as claim_id, 1 as line,
             coalesce(po.person_id, pt.person_id) as person_id,
             case when pt.claim_id is null then 'only_ours' when po.claim_id is null then 'only_connector'
                  when pt.copies > 1 then 'duplicate_connector' else 'value' end as kind,
             concat_ws(',', {', '.join(f"case when po.{c} is distinct from pt.{c} then '{c}' end"
                                       for c in ("person_id", "dispensing_date", "ndc_code", "payment"))}) as columns
      from po full join pt on po.claim_id = pt.claim_id),
eo as (select person_id, enrollment_start_date as start_date, enrollment_end_date as end_date
       from ours.input_layer.eligibility),
et_all as (select person_id, cast(enrollment_start_date as date) as start_date,
                  cast(enrollment_end_date as date) as end_date,
                  count(*) over (partition by person_id, enrollment_start_date) as copies
           from tuva.input_layer.eligibility),
et as (select * from et_all qualify row_number() over (partition by person_id, start_date order by end_date) = 1),
e as (select 'eligibility' as tbl, cast(coalesce(eo.start_date, et.start_date) as varchar) as claim_id, 0 as line,
             coalesce(eo.person_id, et.person_id) as person_id,
             case when et.person_id is null then 'only_ours' when eo.person_id is null then 'only_connector'
                  when et.copies > 1 then 'duplicate_connector' else 'value' end as kind,
             case when eo.end_date is distinct from et.end_date then 'enrollment_end_date' else '' end as columns
      from eo full join et on eo.person_id = et.person_id and eo.start_date = et.start_date)
select tbl, claim_id, line, person_id, kind, case when kind = 'value' then columns else '' end as columns
from (select * from m union all select * from p union all select * from e)
where kind <> 'value' or columns <> ''
"""

CONTEXT_SQL = """
create or replace temp view xref as select prvs_num, crnt_num from ours._int_cclf.int_mbi_crosswalk_resolved;
create or replace temp view pa as
  select h.cur_clm_uniq_id as claim_id, h.clm_blg_prvdr_oscar_num as blg_ccn, h.clm_from_dt, h.clm_thru_dt,
         coalesce(x.crnt_num, h.bene_mbi_id) as mbi, h.bene_mbi_id, h.clm_adjsmt_type_cd as adj,
         h.clm_cntl_num as cntl, h.clm_org_cntl_num as org_cntl
  from ours.raw_data.parta_claims_header h left join xref x on x.prvs_num = h.bene_mbi_id;
-- the connector's Part A group of a claim: billing CCN (NULLs together), dates, current MBI
create or replace temp view pa_group as
  select a.claim_id, b.claim_id as member, b.adj, b.cntl, b.org_cntl, a.blg_ccn
  from pa a join pa b on a.blg_ccn is not distinct from b.blg_ccn and a.clm_from_dt = b.clm_from_dt
   and a.clm_thru_dt = b.clm_thru_dt and a.mbi = b.mbi;
create or replace temp view pb as
  select cur_clm_uniq_id as claim_id, try_cast(clm_line_num as integer) as line, bene_mbi_id, clm_cntl_num as cntl,
         clm_adjsmt_type_cd as adj, clm_carr_pmt_dnl_cd as dnl, clm_prcsg_ind_cd as prcsg,
         clm_efctv_dt, 'physician' as src
  from ours.raw_data.partb_physicians
  union all
  select cur_clm_uniq_id, try_cast(clm_line_num as integer), bene_mbi_id, clm_cntl_num, clm_adjsmt_type_cd,
         clm_carr_pmt_dnl_cd, clm_prcsg_ind_cd, clm_efctv_dt, 'dme' from ours.raw_data.partb_dme;
create or replace temp view pd as
  select cur_clm_uniq_id as claim_id, coalesce(x.crnt_num, r.bene_mbi_id) as mbi, r.bene_mbi_id,
         clm_line_from_dt, prvdr_srvc_id_qlfyr_cd, clm_srvc_prvdr_gnrc_id_num, clm_dspnsng_stus_cd,
         clm_line_rx_srvc_rfrnc_num, clm_line_rx_fill_num
  from ours.raw_data.partd_claims r left join xref x on x.prvs_num = r.bene_mbi_id;
-- MBIs that start a chain of two or more crosswalk rows (A -> B, B -> C)
create or replace temp view chain_start as
  select distinct a.prvs_num as mbi from ours.raw_data.beneficiary_xref a
  join ours.raw_data.beneficiary_xref b on b.prvs_num = a.crnt_num and b.crnt_num <> b.prvs_num;
-- chain starts whose next link (B -> C) the raw crosswalk holds more than once (several files)
create or replace temp view fan_out_start as
  select a.prvs_num as mbi from ours.raw_data.beneficiary_xref a
  join ours.raw_data.beneficiary_xref b on b.prvs_num = a.crnt_num and b.crnt_num <> b.prvs_num
  group by a.prvs_num having count(distinct b.file_name) > 1;
create or replace temp view claim_mbi as
  select claim_id, bene_mbi_id from pa union all select claim_id, bene_mbi_id from pb
  union all select claim_id, bene_mbi_id from pd;
"""


@dataclass(frozen=True)
class DiffClass:
    name: str
    kind: str  # "deliberate" (our rule, cited) or "connector bug"
    spec: str  # the section of shared/spec/cclf_semantics.md
    description: str
    predicate: str  # SQL over the difference row d
    effects: tuple[str, ...]  # the difference kinds it may cause; "value:<column>" for a differing column

    def condition(self) -> str:
        """The predicate, limited to the class's effects."""
        kinds = [e for e in self.effects if not e.startswith("value:")]
        columns = [e.removeprefix("value:") for e in self.effects if e.startswith("value:")]
        allowed = [f"d.kind in ({', '.join(repr(k) for k in kinds)})"] if kinds else []
        if columns:
            allowed.append(f"(d.kind = 'value' and list_has_all({columns!r}, string_split(d.columns, ',')))")
        return f"({self.predicate}) and ({' or '.join(allowed)})"


CLASSES: tuple[DiffClass, ...] = (
    DiffClass(
        "parta_padded_cancellation", "connector bug", "§0 integer-like codes; §3.5",
        "The connector compares CLM_ADJSMT_TYPE_CD as text (`= '1'`), so a Part A cancellation delivered as "
        "'01' is neither negated nor dropped: the family's paid amount is too high, and a final '01' "
        "cancellation stays as a claim.",
        "d.tbl = 'medical_claim' and exists (select 1 from pa_group g where g.claim_id = d.claim_id "
        "and g.adj = '01')",
        ('only_connector', 'value:paid_amount')),
    DiffClass(
        "partb_padded_cancellation", "connector bug", "§0 integer-like codes; §3.5",
        "The same text comparison on Part B: a '01' cancellation is kept as the final version or not netted.",
        "d.tbl = 'medical_claim' and exists (select 1 from pb a join pb b on a.cntl = b.cntl "
        "where a.claim_id = d.claim_id and b.adj = '01')",
        ('only_connector', 'value:paid_amount', 'value:allowed_amount')),
    DiffClass(
        "parta_two_originals", "deliberate", "§3.3 (pitfall 5)",
        "Two Part A originals sharing a natural key (billing CCN, dates, MBI) with different control numbers "
        "are two claims for us; the connector keeps the higher claim id with both payments summed.",
        "d.tbl = 'medical_claim' and (select count(distinct g.cntl) from pa_group g where g.claim_id = d.claim_id "
        "and try_cast(g.adj as integer) = 0 and g.org_cntl is null) > 1",
        ('only_ours', 'value:paid_amount')),
    DiffClass(
        "parta_null_billing_ccn", "deliberate", "§3.2 fallback (pitfall 6)",
        "Part A claims without a billing CCN: the connector groups them all (NULLs partition together) and "
        "keeps one; we fall back to PRVDR_OSCAR_NUM, then the claim alone.",
        "d.tbl = 'medical_claim' and exists (select 1 from pa_group g where g.claim_id = d.claim_id "
        "and g.blg_ccn is null)",
        ('only_ours', 'value:paid_amount')),
    DiffClass(
        "partb_null_denial_fields", "deliberate", "§3.1 (pitfall 13)",
        "A Part B line with a NULL denial code or NULL processing indicator is not denied for us; the "
        "connector's filter evaluates to NULL on it and drops the line.",
        "d.tbl = 'medical_claim' and d.kind = 'only_ours' and exists (select 1 from pb where pb.claim_id = "
        "d.claim_id and pb.line = d.line and pb.src = 'physician' and (pb.dnl is null or pb.prcsg is null))",
        ('only_ours',)),
    DiffClass(
        "dme_denial_not_applied", "deliberate", "§3.1 (pitfall 13)",
        "Denied DME lines (CLM_CARR_PMT_DNL_CD '0' or a non-payable processing indicator) are dropped by us; "
        "the connector never filters CCLF6.",
        "d.tbl = 'medical_claim' and d.kind = 'only_connector' and exists (select 1 from pb where pb.claim_id = "
        "d.claim_id and pb.src = 'dme' and (pb.dnl = '0' or upper(pb.prcsg) not in ('A', 'R', 'S', 'O')))",
        ('only_connector',)),
    DiffClass(
        "partb_null_control_number", "deliberate", "§3.2 fallback (pitfall 6)",
        "Part B lines without CLM_CNTL_NUM: the connector's family key is the control number, so unrelated "
        "lines fall into one family; ours fall back to (claim id, line).",
        "d.tbl = 'medical_claim' and exists (select 1 from pb where pb.claim_id = d.claim_id and pb.cntl is null)",
        ('only_ours', 'value:paid_amount', 'value:allowed_amount')),
    DiffClass(
        "claim_id_text_order", "deliberate", "§0 numeric claim id order; §3.4 (pitfall 10)",
        "Versions with one effective date are ordered by CUR_CLM_UNIQ_ID as text by the connector "
        "('399999998' > '1000000001'), so a cancellation can win over the later adjustment; we order numerically.",
        "d.tbl = 'medical_claim' and exists (select 1 from pb a join pb b on a.cntl = b.cntl "
        "where a.claim_id = d.claim_id and length(b.claim_id) <> length(a.claim_id))",
        ('only_ours',)),
    DiffClass(
        "crosswalk_fan_out", "deliberate", "§2.2 one edge per previous id (pitfall 9)",
        "The connector joins each previous MBI's latest crosswalk row to every row of the next link, not "
        "only its latest: when B -> C is delivered in two files, a claim under A comes out twice (persons B "
        "and C), and its duplicate guard (pitfall 7) then deletes both copies: the claim is missing. We keep "
        "one edge per previous MBI.",
        "d.tbl in ('medical_claim', 'pharmacy_claim') and exists (select 1 from claim_mbi c join fan_out_start s "
        "on s.mbi = c.bene_mbi_id where c.claim_id = d.claim_id)",
        ('only_ours',)),
    DiffClass(
        "crosswalk_one_hop", "deliberate", "§2.3 (pitfall 9)",
        "A claim under an MBI that starts a crosswalk chain (A -> B, B -> C in one file): the connector follows "
        "one hop (person B), we follow the chain to its end (person C).",
        "d.tbl in ('medical_claim', 'pharmacy_claim') and exists (select 1 from claim_mbi c join chain_start s "
        "on s.mbi = c.bene_mbi_id where c.claim_id = d.claim_id)",
        ('value:person_id',)),
    DiffClass(
        "partd_key_without_mbi", "deliberate", "§3.2 Part D key (pitfall 12)",
        "The connector's Part D key has no MBI and its duplicate guard then deletes every claim id still "
        "duplicated: two beneficiaries' fills with the same pharmacy, date, reference and fill number "
        "collapse into one (or none). Our key includes the current MBI.",
        "d.tbl = 'pharmacy_claim' and exists (select 1 from pd a join pd b on a.clm_line_from_dt = "
        "b.clm_line_from_dt and a.clm_srvc_prvdr_gnrc_id_num = b.clm_srvc_prvdr_gnrc_id_num and "
        "a.clm_line_rx_srvc_rfrnc_num = b.clm_line_rx_srvc_rfrnc_num and a.clm_line_rx_fill_num = "
        "b.clm_line_rx_fill_num and a.mbi <> b.mbi where a.claim_id = d.claim_id)",
        ('only_ours',)),
    DiffClass(
        "enrollment_spans_before_crosswalk", "deliberate", "§8 Months (pitfall 16)",
        "A person enrolled under an old and a new MBI: the connector maps each span through the crosswalk "
        "without merging (two rows, or overlapping rows); we take the distinct months after the crosswalk "
        "and collapse them into one run.",
        "d.tbl = 'eligibility' and (select count(distinct e.current_bene_mbi_id) from ours.alr.enrollment e "
        "left join xref x on x.prvs_num = e.current_bene_mbi_id "
        "where coalesce(x.crnt_num, e.current_bene_mbi_id) = d.person_id) > 1",
        ('only_ours', 'only_connector', 'value:enrollment_end_date')),
)


@dataclass(frozen=True)
class Difference:
    tbl: str
    claim_id: str
    line: int
    person_id: str | None
    kind: str
    columns: str
    cls: str | None  # None: no documented class


def snapshot(warehouse: Path) -> Path:
    """A checkpointed copy of ``warehouse`` (the in-process dbt run may still hold the file open)."""
    copy = warehouse.with_name(f"{warehouse.stem}_compared.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")
    shutil.copy(warehouse, copy)
    return copy


def classify(ours: Path, connector: Path) -> list[Difference]:
    """Every difference between the two builds (``ours``: a ``snapshot``), each with its first
    matching class (or None)."""
    snapshot = ours
    with duckdb.connect() as con:
        con.execute(f"attach '{snapshot}' as ours (read_only)")
        con.execute(f"attach '{connector}' as tuva (read_only)")
        con.execute(DIFF_SQL)
        con.execute(CONTEXT_SQL)
        cases = " ".join(f"when {c.condition()} then '{c.name}'" for c in CLASSES)
        rows = con.execute(f"select tbl, claim_id, line, person_id, kind, columns, case {cases} end "
                           "from d order by tbl, claim_id, line").fetchall()
    return [Difference(*r) for r in rows]


def totals(db: Path, schema: str = "input_layer") -> dict[str, object]:
    """Rows, persons and paid/allowed totals of one build (the demo-level agreement figures)."""
    with duckdb.connect(str(db), read_only=True) as con:
        med = con.execute(f"select count(*), count(distinct person_id), round(sum(cast(paid_amount as double)), 2), "
                          f"round(sum(cast(allowed_amount as double)), 2) from {schema}.medical_claim").fetchone()
        rx = con.execute(f"select count(*), count(distinct person_id) from {schema}.pharmacy_claim").fetchone()
        el = con.execute(f"select count(*), count(distinct person_id) from {schema}.eligibility").fetchone()
    return {"medical": med, "pharmacy": rx, "eligibility": el}
