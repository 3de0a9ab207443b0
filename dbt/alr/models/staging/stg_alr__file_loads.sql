-- ALR files in the load ledger that are currently loaded, incl. header-only files
-- (no raw rows): one row per ALR file path and load.

with

source as (

    select *
    from {{ mssp_common.raw_relation('mssp_meta', 'file_loads',
        ['file_path', 'family', 'table_name', 'file_date', 'rows_loaded', 'status'],
        metadata=false) }} as raw

),

renamed as (

    select
        file_path,
        {{ alr_regex_group('file_path', '([^/]+)$', 1) }} as file_name,
        table_name,
        {{ mssp_common.safe_cast('file_date', 'date') }} as file_date,
        {{ mssp_common.safe_cast('rows_loaded', 'bigint') }} as rows_loaded,
        status
    from source
    where family = 'alr'
      and status in ('loaded', 'replaced', 'unchanged')

)

select * from renamed
