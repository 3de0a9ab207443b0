-- ALR Table 1-6, typed: one row per beneficiary per file.

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr6_beneficiaries_assignable_or_voluntary', alr_layout('1-6')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,

        ----------  file
        {{ alr_file_columns() }},

        ----------  flags
        {{ mssp_common.safe_cast('va_selection_only', 'integer') }} as va_selection_only

    from source

)

select * from renamed
