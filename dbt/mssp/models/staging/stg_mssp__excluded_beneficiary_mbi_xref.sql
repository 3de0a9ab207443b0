-- BNEX MBI cross-reference: one row per current x previous MBI per file.
with source as (
    select * from {{ mssp_raw_relation('excluded_beneficiary_mbi_xref', [
        'performance_year', 'report_month', 'current_bene_mbi', 'previous_bene_mbi',
        'previous_identifier_effective_date', 'previous_identifier_obsolete_date']) }} as raw
)
select
    {{ mssp_common.cms_int('performance_year') }} as performance_year,
    performance_year || '-' || report_month as period,
    file_name,
    file_date,
    current_bene_mbi,
    previous_bene_mbi,
    {{ report_date('previous_identifier_effective_date') }} as previous_identifier_effective_date,
    {{ report_date('previous_identifier_obsolete_date') }} as previous_identifier_obsolete_date,
    previous_identifier_effective_date as previous_identifier_effective_date_text,
    performance_year as performance_year_text,
    file_path,
    file_row_number,
    load_id
from source
