-- BNEX: one row per excluded beneficiary per file; names are not carried.
with source as (
    select * from {{ mssp_raw_relation('beneficiary_exclusions', [
        'mbi', 'dob', 'gender', 'beneexcreasons', 'filecreationdate', 'performanceyear',
        'reportmonth']) }} as raw
)
select
    {{ mssp_common.cms_int('performanceyear') }} as performance_year,
    performanceyear || '-' || lpad(reportmonth, 2, '0') as period,
    file_name,
    file_date,
    mbi as bene_mbi_id,
    {{ report_date('dob') }} as bene_birth_date,
    gender as bene_sex,
    beneexcreasons as exclusion_reasons,
    {{ report_date('filecreationdate') }} as file_creation_date,
    {{ mssp_common.cms_int('reportmonth') }} as report_month,
    dob as bene_birth_date_text,
    performanceyear as performance_year_text,
    file_path,
    file_row_number,
    load_id
from source
