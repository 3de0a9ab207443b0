-- ALR files whose performance year differs from the {YEAR} folder of the store path
-- (alr_semantics §3; store layout {ACO}/{YEAR}/{CODE}/...).
{{ config(severity='warn', store_failures=true) }}

select
    file_name,
    performance_year,
    store_year
from {{ ref('int_alr_files_listed') }}
where store_year is not null
  and performance_year <> store_year
