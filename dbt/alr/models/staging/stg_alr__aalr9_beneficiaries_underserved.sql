-- ALR Table 1-9, typed: one row per beneficiary per file.

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr9_beneficiaries_underserved', alr_layout('1-9')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,

        ----------  file
        {{ alr_file_columns() }},

        ----------  underserved measures (status codes stay text)
        {{ mssp_common.safe_cast('adi_natrank', 'integer') }} as adi_natrank,
        bene_lis_status,
        bene_dual_status,
        {{ mssp_common.safe_cast('bene_psnyrs_lis_dual', 'decimal(38, 14)') }} as bene_psnyrs_lis_dual,
        {{ mssp_common.safe_cast('bene_psnyrs', 'decimal(38, 14)') }} as bene_psnyrs

    from source

)

select * from renamed
