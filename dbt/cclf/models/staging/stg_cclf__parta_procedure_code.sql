{%- set columns = [
    'cur_clm_uniq_id', 'bene_mbi_id', 'clm_val_sqnc_num', 'clm_prcdr_cd',
    'clm_prcdr_prfrm_dt', 'dgns_prcdr_icd_ind'
] -%}

with

src as (
    {{ cclf_source_rows('parta_procedure_code', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        src.bene_mbi_id,
        {{ mssp_common.cms_int('src.clm_val_sqnc_num') }} as clm_val_sqnc_num,
        -- codes
        src.clm_prcdr_cd,
        src.dgns_prcdr_icd_ind,
        -- dates
        {{ mssp_common.cms_date('src.clm_prcdr_prfrm_dt') }} as clm_prcdr_prfrm_dt,
        -- file
        {{ cclf_file_columns() }}
    from src
),

delivered as (
    select * from renamed where {{ cclf_weekly_filter() }}
)

select
    delivered.*,
    {{ is_latest_copy(['cur_clm_uniq_id', 'clm_val_sqnc_num']) }} as is_latest_copy
from delivered
