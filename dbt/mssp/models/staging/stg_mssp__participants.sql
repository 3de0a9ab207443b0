-- Participants List: one row per participant TIN per list file; the PY from `PY<yyyy>` in the name.
with source as (
    select * from {{ mssp_raw_relation('participants_list', [
        'aco_id', 'participant_tin', 'participant_legal_business_name', 'start_date', 'end_date']) }} as raw
)
select
    {{ mssp_common.cms_int(mssp_common.regex_group('file_name', 'PY([0-9]{4})')) }} as performance_year,
    {{ mssp_common.regex_group('file_name', '(PY[0-9]{4})') }} as period,
    file_name,
    file_date,
    aco_id,
    participant_tin,
    participant_legal_business_name,
    {{ report_date('start_date') }} as start_date,
    {{ report_date('end_date') }} as end_date,
    start_date as start_date_text,
    file_path,
    file_row_number,
    load_id
from source
