-- MCQM beneficiaries (workbook sheet PY <= 2025, _MCQMbenes.csv PY >= 2026): one row per
-- beneficiary per MCQM delivery. Names are not carried (not needed downstream).
with source as (
    select * from {{ mssp_raw_relation('mcqm_beneficiaries', [
        'period', 'aco_id', 'prfmnc_yr_num', 'qrt_num', 'bene_mbi_id', 'bene_sex_cd',
        'bene_brth_dt', 'bene_death_dt', 'va_selection_only', 'provider_1_npi', 'provider_2_npi',
        'provider_3_npi', 'top_clinic_id']) }} as raw
)
select
    coalesce({{ mssp_common.cms_int('prfmnc_yr_num') }}, {{ mssp_common.cms_int('substr(period, 1, 4)') }}) as performance_year,
    period,
    file_name,
    file_date,
    aco_id,
    bene_mbi_id,
    bene_sex_cd,
    {{ report_date('bene_brth_dt') }} as bene_birth_date,
    {{ report_date('bene_death_dt') }} as bene_death_date,
    bene_brth_dt as bene_birth_date_text,
    bene_death_dt as bene_death_date_text,
    {{ mssp_common.cms_int('va_selection_only') }} as va_selection_only,
    provider_1_npi,
    provider_2_npi,
    provider_3_npi,
    top_clinic_id,
    file_path,
    file_row_number,
    load_id
from source
