-- ALR Table 1-6, typed: one row per beneficiary per file.

with

source as (

    select *
    from {{ alr_raw_relation('alr_raw', 'aalr6_beneficiaries_assignable_or_voluntary', alr_layout('1-6')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,

        ----------  file
        file_name,
        {{ alr_file_metadata('file_name') }},
        file_date,
        file_path,
        file_row_number,
        load_id,

        ----------  flags
        {{ mssp_common.safe_cast('va_selection_only', 'integer') }} as va_selection_only

    from source

)

select * from renamed
