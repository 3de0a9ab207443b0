{%- set columns = [
    'cur_clm_uniq_id', 'bene_mbi_id', 'clm_line_ndc_cd', 'clm_type_cd', 'clm_line_from_dt',
    'prvdr_srvc_id_qlfyr_cd', 'clm_srvc_prvdr_gnrc_id_num', 'clm_dspnsng_stus_cd',
    'clm_daw_prod_slctn_cd', 'clm_line_srvc_unit_qty', 'clm_line_days_suply_qty',
    'prvdr_prsbng_id_qlfyr_cd', 'clm_prsbng_prvdr_gnrc_id_num', 'clm_line_bene_pmt_amt',
    'clm_adjsmt_type_cd', 'clm_efctv_dt', 'clm_line_rx_srvc_rfrnc_num',
    'clm_line_rx_fill_num', 'clm_phrmcy_srvc_type_cd'
] -%}

with

src as (
    {{ cclf_source_rows('partd_claims', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        src.bene_mbi_id,
        src.clm_line_rx_srvc_rfrnc_num,
        src.clm_line_rx_fill_num,
        -- codes
        src.clm_line_ndc_cd,
        src.clm_type_cd,
        src.prvdr_srvc_id_qlfyr_cd,
        src.clm_dspnsng_stus_cd,
        src.clm_daw_prod_slctn_cd,
        src.prvdr_prsbng_id_qlfyr_cd,
        src.clm_phrmcy_srvc_type_cd,
        {{ mssp_common.cms_int('src.clm_adjsmt_type_cd') }} as clm_adjsmt_type_cd,
        -- providers
        src.clm_srvc_prvdr_gnrc_id_num,
        src.clm_prsbng_prvdr_gnrc_id_num,
        -- numerics
        {{ mssp_common.cms_amount('src.clm_line_srvc_unit_qty', 4) }} as clm_line_srvc_unit_qty,
        {{ mssp_common.cms_amount('src.clm_line_days_suply_qty', 4) }} as clm_line_days_suply_qty,
        {{ mssp_common.cms_amount('src.clm_line_bene_pmt_amt') }} as clm_line_bene_pmt_amt,
        -- dates
        {{ mssp_common.cms_date('src.clm_line_from_dt') }} as clm_line_from_dt,
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
    {{ is_latest_copy(['cur_clm_uniq_id']) }} as is_latest_copy
from delivered
