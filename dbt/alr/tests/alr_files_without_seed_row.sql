-- Delivered 1-1 files that match no row of mssp_file_parameters (alr_semantics §4): they
-- govern nothing and are absent from enrollment. Failures are stored, so the file names
-- can be read from _audit_alr.alr_files_without_seed_row.
{{ config(severity='warn', store_failures=true) }}

select
    file_name,
    aco_id,
    file_period,
    performance_year
from {{ ref('int_alr_files_listed') }}
where not has_seed_row
