-- ALR Table 1-4, typed: one row per beneficiary x TIN x NPI per file.

with

source as (

    select *
    from {{ alr_raw_relation('alr_raw', 'aalr4_assigned_beneficiaries_tin_npi', alr_layout('1-4')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,
        master_id,
        npi_used,

        ----------  file
        file_name,
        {{ alr_file_metadata('file_name') }},
        file_date,
        file_path,
        file_row_number,
        load_id,

        ----------  counts
        {{ mssp_common.safe_cast('pcs_count', 'integer') }} as pcs_count

    from source

)

select * from renamed
