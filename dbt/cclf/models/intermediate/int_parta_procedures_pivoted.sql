{#-
    CCLF3 procedures of each final Part A claim, joined on the claim id only, pivoted to
    positions 1-25 (§5). Grain: one row per final Part A claim with at least one CCLF3 row.
-#}
with

claims as (
    select cur_clm_uniq_id from {{ ref('int_parta_claims_latest_version_selected') }}
),

procedures as (
    select
        stg.cur_clm_uniq_id,
        stg.clm_val_sqnc_num as position,
        stg.clm_prcdr_cd,
        stg.clm_prcdr_prfrm_dt,
        stg.dgns_prcdr_icd_ind
    from {{ ref('stg_cclf__parta_procedure_code') }} as stg
    where stg.is_latest_copy
      and stg.cur_clm_uniq_id in (select cur_clm_uniq_id from claims)
),

summary as (
    select
        cur_clm_uniq_id,
        max(dgns_prcdr_icd_ind) as dgns_prcdr_icd_ind,
        sum(case when position between 1 and 25 then 0 else 1 end) as unplaced_count
    from procedures
    group by cur_clm_uniq_id
),

codes as (
    {{ positions_pivoted('procedures', 'clm_prcdr_cd', 'procedure_code') }}
),

dates as (
    {{ positions_pivoted('procedures', 'clm_prcdr_prfrm_dt', 'procedure_date') }}
),

pivoted as (
    {{ positions_joined([('codes', 'procedure_code'), ('dates', 'procedure_date')]) }}
)

select * from pivoted
