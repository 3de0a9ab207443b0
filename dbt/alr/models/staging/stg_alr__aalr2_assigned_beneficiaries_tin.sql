-- ALR Table 1-2, typed: one row per beneficiary x participant TIN per file.

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr2_assigned_beneficiaries_tin', alr_layout('1-2')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,
        master_id,

        ----------  file
        {{ alr_file_columns() }},

        ----------  counts
        {{ mssp_common.safe_cast('b_em_line_cnt_t', 'integer') }} as b_em_line_cnt_t

    from source

)

select * from renamed
