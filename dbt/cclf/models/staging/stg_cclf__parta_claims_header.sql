{%- set columns = [
    'cur_clm_uniq_id', 'prvdr_oscar_num', 'bene_mbi_id', 'clm_type_cd', 'clm_from_dt',
    'clm_thru_dt', 'clm_bill_fac_type_cd', 'clm_bill_clsfctn_cd', 'prncpl_dgns_cd',
    'clm_mdcr_npmt_rsn_cd', 'clm_pmt_amt', 'bene_ptnt_stus_cd', 'dgns_drg_cd',
    'fac_prvdr_npi_num', 'oprtg_prvdr_npi_num', 'atndg_prvdr_npi_num', 'othr_prvdr_npi_num',
    'clm_adjsmt_type_cd', 'clm_efctv_dt', 'clm_admsn_type_cd', 'clm_admsn_src_cd',
    'clm_bill_freq_cd', 'dgns_prcdr_icd_ind', 'clm_mdcr_instnl_tot_chrg_amt',
    'clm_blg_prvdr_oscar_num', 'clm_blg_prvdr_npi_num', 'clm_oprtg_prvdr_npi_num',
    'clm_atndg_prvdr_npi_num', 'clm_othr_prvdr_npi_num', 'clm_cntl_num', 'clm_org_cntl_num'
] -%}

with

src as (
    {{ cclf_source_rows('parta_claims_header', columns) }}
),

renamed as (
    select
        -- ids
        src.cur_clm_uniq_id,
        src.bene_mbi_id,
        src.prvdr_oscar_num,
        src.clm_blg_prvdr_oscar_num,
        src.clm_cntl_num,
        src.clm_org_cntl_num,
        -- codes
        src.clm_type_cd,
        src.clm_bill_fac_type_cd,
        src.clm_bill_clsfctn_cd,
        src.clm_bill_freq_cd,
        src.prncpl_dgns_cd,
        src.clm_mdcr_npmt_rsn_cd,
        src.bene_ptnt_stus_cd,
        src.dgns_drg_cd,
        src.clm_admsn_type_cd,
        src.clm_admsn_src_cd,
        src.dgns_prcdr_icd_ind,
        {{ mssp_common.cms_int('src.clm_adjsmt_type_cd') }} as clm_adjsmt_type_cd,
        -- providers
        src.fac_prvdr_npi_num,
        src.oprtg_prvdr_npi_num,
        src.atndg_prvdr_npi_num,
        src.othr_prvdr_npi_num,
        src.clm_blg_prvdr_npi_num,
        src.clm_oprtg_prvdr_npi_num,
        src.clm_atndg_prvdr_npi_num,
        src.clm_othr_prvdr_npi_num,
        -- amounts
        {{ mssp_common.cms_amount('src.clm_pmt_amt') }} as clm_pmt_amt,
        {{ mssp_common.cms_amount('src.clm_mdcr_instnl_tot_chrg_amt') }} as clm_mdcr_instnl_tot_chrg_amt,
        -- dates
        {{ mssp_common.cms_date('src.clm_from_dt') }} as clm_from_dt,
        {{ mssp_common.cms_date('src.clm_thru_dt') }} as clm_thru_dt,
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
