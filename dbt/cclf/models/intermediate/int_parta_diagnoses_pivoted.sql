{#-
    CCLF4 diagnoses of each final Part A claim, joined on the claim id only, pivoted to
    positions 1-25 (§5). Collisions at one position: product type P, then D, then others.
    Grain: one row per final Part A claim with at least one CCLF4 row.
-#}
with

claims as (
    select cur_clm_uniq_id from {{ ref('int_parta_claims_latest_version_selected') }}
),

diagnoses as (
    select
        stg.cur_clm_uniq_id,
        stg.clm_val_sqnc_num as position,
        stg.clm_dgns_cd,
        stg.clm_poa_ind,
        stg.dgns_prcdr_icd_ind,
        row_number() over (
            partition by stg.cur_clm_uniq_id, stg.clm_val_sqnc_num
            order by
                case stg.clm_prod_type_cd when 'P' then 0 when 'D' then 1 else 2 end,
                stg.clm_prod_type_cd,
                stg.clm_dgns_cd
        ) as position_rank
    from {{ ref('stg_cclf__parta_diagnosis_code') }} as stg
    where stg.is_latest_copy
      and stg.cur_clm_uniq_id in (select cur_clm_uniq_id from claims)
),

summary as (
    select
        cur_clm_uniq_id,
        max(dgns_prcdr_icd_ind) as dgns_prcdr_icd_ind,
        sum(case when position between 1 and 25 and position_rank = 1 then 0 else 1 end) as unplaced_count
    from diagnoses
    group by cur_clm_uniq_id
),

codes as (
    {{ positions_pivoted('diagnoses', 'clm_dgns_cd', 'diagnosis_code', keep='position_rank = 1') }}
),

present_on_admission as (
    {{ positions_pivoted('diagnoses', 'clm_poa_ind', 'diagnosis_poa', keep='position_rank = 1') }}
),

pivoted as (
    {{ positions_joined([('codes', 'diagnosis_code'), ('present_on_admission', 'diagnosis_poa')]) }}
)

select * from pivoted
