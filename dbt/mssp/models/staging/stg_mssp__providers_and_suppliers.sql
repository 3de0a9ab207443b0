-- Providers and Suppliers List: one row per TIN x NPI (or CCN) per list file.
with source as (
    select * from {{ mssp_raw_relation('provider_and_supplier_list', [
        'aco_id', 'participant_tin', 'participant_legal_business_name', 'individual_npi',
        'organizational_npi', 'ccn', 'provider_type']) }} as raw
)
select
    {{ mssp_common.cms_int(mssp_common.regex_group('file_name', 'PY([0-9]{4})')) }} as performance_year,
    {{ mssp_common.regex_group('file_name', '(PY[0-9]{4})') }} as period,
    file_name,
    file_date,
    aco_id,
    participant_tin,
    participant_legal_business_name,
    individual_npi,
    organizational_npi,
    ccn,
    provider_type,
    file_path,
    file_row_number,
    load_id
from source
