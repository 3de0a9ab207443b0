{%- set columns = [
    'cur_clm_uniq_id', 'clm_line_num', 'bene_mbi_id', 'clm_type_cd', 'clm_line_from_dt',
    'clm_line_thru_dt', 'clm_line_prod_rev_ctr_cd', 'clm_line_hcpcs_cd',
    'clm_line_srvc_unit_qty', 'clm_line_cvrd_pd_amt', 'hcpcs_1_mdfr_cd', 'hcpcs_2_mdfr_cd',
    'hcpcs_3_mdfr_cd', 'hcpcs_4_mdfr_cd', 'hcpcs_5_mdfr_cd'
] -%}

with

src as (
    {{ cclf_source_rows('parta_claims_revenue_center_detail', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        {{ mssp_common.cms_int('src.clm_line_num') }} as clm_line_num,
        src.bene_mbi_id,
        -- codes
        src.clm_type_cd,
        src.clm_line_prod_rev_ctr_cd,
        src.clm_line_hcpcs_cd,
        src.hcpcs_1_mdfr_cd,
        src.hcpcs_2_mdfr_cd,
        src.hcpcs_3_mdfr_cd,
        src.hcpcs_4_mdfr_cd,
        src.hcpcs_5_mdfr_cd,
        -- numerics
        {{ mssp_common.cms_amount('src.clm_line_srvc_unit_qty', 4) }} as clm_line_srvc_unit_qty,
        {{ mssp_common.cms_amount('src.clm_line_cvrd_pd_amt') }} as clm_line_cvrd_pd_amt,
        -- dates
        {{ mssp_common.cms_date('src.clm_line_from_dt') }} as clm_line_from_dt,
        {{ mssp_common.cms_date('src.clm_line_thru_dt') }} as clm_line_thru_dt,
        -- file
        {{ cclf_file_columns() }}
    from src
),

delivered as (
    select * from renamed where {{ cclf_weekly_filter() }}
)

select
    delivered.*,
    {{ is_latest_copy(['cur_clm_uniq_id', 'clm_line_num']) }} as is_latest_copy
from delivered
