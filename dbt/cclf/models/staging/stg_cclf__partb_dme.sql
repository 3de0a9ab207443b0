{%- set columns = [
    'cur_clm_uniq_id', 'clm_line_num', 'bene_mbi_id', 'clm_type_cd', 'clm_from_dt',
    'clm_thru_dt', 'clm_pos_cd', 'clm_line_from_dt', 'clm_line_thru_dt', 'clm_line_hcpcs_cd',
    'clm_line_cvrd_pd_amt', 'payto_prvdr_npi_num', 'ordrg_prvdr_npi_num',
    'clm_carr_pmt_dnl_cd', 'clm_prcsg_ind_cd', 'clm_adjsmt_type_cd', 'clm_efctv_dt',
    'clm_cntl_num', 'clm_line_alowd_chrg_amt', 'clm_blg_prvdr_npi_num',
    'clm_rfrg_prvdr_npi_num'
] -%}

with

src as (
    {{ cclf_source_rows('partb_dme', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        {{ mssp_common.cms_int('src.clm_line_num') }} as clm_line_num,
        src.bene_mbi_id,
        src.clm_cntl_num,
        -- codes
        src.clm_type_cd,
        src.clm_pos_cd,
        src.clm_line_hcpcs_cd,
        src.clm_carr_pmt_dnl_cd,
        src.clm_prcsg_ind_cd,
        {{ mssp_common.cms_int('src.clm_adjsmt_type_cd') }} as clm_adjsmt_type_cd,
        -- providers
        src.payto_prvdr_npi_num,
        src.ordrg_prvdr_npi_num,
        src.clm_blg_prvdr_npi_num,
        src.clm_rfrg_prvdr_npi_num,
        -- numerics
        {{ mssp_common.cms_amount('src.clm_line_cvrd_pd_amt') }} as clm_line_cvrd_pd_amt,
        {{ mssp_common.cms_amount('src.clm_line_alowd_chrg_amt') }} as clm_line_alowd_chrg_amt,
        -- dates
        {{ mssp_common.cms_date('src.clm_from_dt') }} as clm_from_dt,
        {{ mssp_common.cms_date('src.clm_thru_dt') }} as clm_thru_dt,
        {{ mssp_common.cms_date('src.clm_line_from_dt') }} as clm_line_from_dt,
        {{ mssp_common.cms_date('src.clm_line_thru_dt') }} as clm_line_thru_dt,
        {{ mssp_common.cms_date('src.clm_efctv_dt') }} as clm_efctv_dt,
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
