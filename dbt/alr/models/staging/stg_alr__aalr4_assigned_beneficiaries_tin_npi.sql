-- ALR Table 1-4, typed: one row per beneficiary x TIN x NPI per file.

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr4_assigned_beneficiaries_tin_npi', alr_layout('1-4')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,
        master_id,
        npi_used,

        ----------  file
        {{ alr_file_columns() }},

        ----------  counts
        {{ mssp_common.safe_cast('pcs_count', 'integer') }} as pcs_count

    from source

)

select * from renamed
