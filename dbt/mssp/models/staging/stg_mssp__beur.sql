-- BEUR, typed: one row per beneficiary per BEUR file (column names as the generator writes them;
-- a column CMS names otherwise is NULL until staging lists it).
with source as (
    select * from {{ mssp_raw_relation('beur_beneficiary_expenditure_utilization_report', [
        'aco_id', 'performance_year', 'quarter', 'bene_mbi_id', 'enrlmt_type', 'tot_exp',
        'ip_exp', 'snf_exp', 'pb_exp', 'ip_admits', 'ed_visits']) }} as raw
)
select
    coalesce({{ mssp_common.cms_int('performance_year') }},
             {{ mssp_common.cms_int("substr(" ~ name_quarter('file_name') ~ ", 1, 4)") }}) as performance_year,
    coalesce({{ name_quarter('file_name') }}, performance_year || 'Q' || quarter) as period,
    file_name,
    file_date,
    aco_id,
    bene_mbi_id,
    enrlmt_type as enrollment_type_code,
    {{ mssp_common.cms_int('quarter') }} as quarter,
    {{ mssp_common.cms_amount('tot_exp') }} as total_expenditure,
    {{ mssp_common.cms_amount('ip_exp') }} as inpatient_expenditure,
    {{ mssp_common.cms_amount('snf_exp') }} as snf_expenditure,
    {{ mssp_common.cms_amount('pb_exp') }} as part_b_expenditure,
    {{ mssp_common.cms_int('ip_admits') }} as inpatient_admissions,
    {{ mssp_common.cms_int('ed_visits') }} as ed_visits,
    tot_exp as total_expenditure_text,
    ip_admits as inpatient_admissions_text,
    file_path,
    file_row_number,
    load_id
from source
