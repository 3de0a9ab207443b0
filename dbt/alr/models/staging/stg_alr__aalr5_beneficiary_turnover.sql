-- ALR Table 1-5 (quarterly only), typed: one row per beneficiary per file.

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr5_beneficiary_turnover', alr_layout('1-5')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,

        ----------  file
        {{ alr_file_columns() }},

        ----------  turnover reason flags (0/1)
        {%- for flag in alr_turnover_flags() %}
        {{ mssp_common.safe_cast(flag, 'integer') }} as {{ flag }}{{ ',' if not loop.last }}
        {%- endfor %}

    from source

)

select * from renamed
