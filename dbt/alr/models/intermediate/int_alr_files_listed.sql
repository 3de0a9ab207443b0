-- Every delivered ALR 1-1 file (header-only files too, from the load ledger) with its
-- name metadata (alr_semantics §3) and its seed row, if any (§4): one row per file name.
{%- set text = mssp_common.text_type() %}

with

raw_files as (

    select
        file_name,
        max(file_path) as file_path,
        max(file_date) as file_date,
        count(*) as beneficiary_rows
    from {{ ref('stg_alr__aalr1_assigned_beneficiaries') }}
    group by file_name

),

ledger_files as (

    select
        file_name,
        max(file_path) as file_path,
        max(file_date) as file_date,
        0 as beneficiary_rows
    from {{ ref('stg_alr__file_loads') }}
    where table_name = 'aalr1_assigned_beneficiaries'
    group by file_name

),

files_unioned as (

    select * from raw_files
    union all
    select * from ledger_files

),

files as (

    select
        file_name,
        max(file_path) as file_path,
        max(file_date) as file_date,
        sum(beneficiary_rows) as beneficiary_rows
    from files_unioned
    group by file_name

),

described as (

    select
        files.file_name,
        {{ alr_file_metadata('files.file_name') }},
        files.file_date,
        files.file_path,
        files.beneficiary_rows,
        {{ mssp_common.safe_cast(
            alr_regex_group('files.file_path', '^[^/]+/([0-9]{4})/', 1), 'integer') }}
            as store_year
    from files

),

with_parameters as (

    select
        described.*,
        parameters.report_year,
        parameters.period_start_date,
        parameters.period_end_date,
        parameters.priority,
        parameters.file_type as seed_file_type,
        parameters.performance_year is not null as has_seed_row
    from described
    left join {{ ref('mssp_file_parameters') }} as parameters
        on parameters.performance_year = described.performance_year
        and parameters.file_period = described.file_period

)

select * from with_parameters
