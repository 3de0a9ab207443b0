{%- set dgns = [] -%}
{%- for n in range(1, 13) %}{% do dgns.append('clm_dgns_' ~ n ~ '_cd') %}{% endfor -%}
{%- set columns = [
    'cur_clm_uniq_id', 'clm_line_num', 'bene_mbi_id', 'clm_type_cd', 'clm_from_dt',
    'clm_thru_dt', 'clm_prvdr_spclty_cd', 'clm_pos_cd', 'clm_line_from_dt', 'clm_line_thru_dt',
    'clm_line_hcpcs_cd', 'clm_line_cvrd_pd_amt', 'clm_line_dgns_cd', 'clm_rndrg_prvdr_tax_num',
    'rndrg_prvdr_npi_num', 'clm_carr_pmt_dnl_cd', 'clm_prcsg_ind_cd', 'clm_adjsmt_type_cd',
    'clm_efctv_dt', 'clm_cntl_num', 'clm_line_alowd_chrg_amt', 'clm_line_srvc_unit_qty',
    'hcpcs_1_mdfr_cd', 'hcpcs_2_mdfr_cd', 'hcpcs_3_mdfr_cd', 'hcpcs_4_mdfr_cd',
    'hcpcs_5_mdfr_cd', 'dgns_prcdr_icd_ind', 'clm_rndrg_prvdr_npi_num',
    'clm_rfrg_prvdr_npi_num'
] + dgns -%}

with

src as (
    {{ cclf_source_rows('partb_physicians', columns) }}
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
        src.clm_prvdr_spclty_cd,
        src.clm_pos_cd,
        src.clm_line_hcpcs_cd,
        src.hcpcs_1_mdfr_cd,
        src.hcpcs_2_mdfr_cd,
        src.hcpcs_3_mdfr_cd,
        src.hcpcs_4_mdfr_cd,
        src.hcpcs_5_mdfr_cd,
        src.clm_carr_pmt_dnl_cd,
        src.clm_prcsg_ind_cd,
        {{ mssp_common.cms_int('src.clm_adjsmt_type_cd') }} as clm_adjsmt_type_cd,
        src.dgns_prcdr_icd_ind,
        src.clm_line_dgns_cd,
        {%- for col in dgns %}
        src.{{ col }},
        {%- endfor %}
        -- providers
        src.clm_rndrg_prvdr_tax_num,
        src.rndrg_prvdr_npi_num,
        src.clm_rndrg_prvdr_npi_num,
        src.clm_rfrg_prvdr_npi_num,
        -- numerics
        {{ mssp_common.cms_amount('src.clm_line_cvrd_pd_amt') }} as clm_line_cvrd_pd_amt,
        {{ mssp_common.cms_amount('src.clm_line_alowd_chrg_amt') }} as clm_line_alowd_chrg_amt,
        {{ mssp_common.cms_amount('src.clm_line_srvc_unit_qty', 4) }} as clm_line_srvc_unit_qty,
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
