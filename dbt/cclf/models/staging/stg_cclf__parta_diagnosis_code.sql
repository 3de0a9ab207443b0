{%- set columns = [
    'cur_clm_uniq_id', 'bene_mbi_id', 'clm_prod_type_cd', 'clm_val_sqnc_num', 'clm_dgns_cd',
    'clm_poa_ind', 'dgns_prcdr_icd_ind'
] -%}

with

src as (
    {{ cclf_source_rows('parta_diagnosis_code', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        src.bene_mbi_id,
        src.clm_prod_type_cd,
        {{ mssp_common.cms_int('src.clm_val_sqnc_num') }} as clm_val_sqnc_num,
        -- codes
        src.clm_dgns_cd,
        src.clm_poa_ind,
        src.dgns_prcdr_icd_ind,
        -- file
        {{ cclf_file_columns() }}
    from src
),

delivered as (
    select * from renamed where {{ cclf_weekly_filter() }}
)

select
    delivered.*,
    {{ is_latest_copy(['cur_clm_uniq_id', 'clm_prod_type_cd', 'clm_val_sqnc_num']) }} as is_latest_copy
from delivered
