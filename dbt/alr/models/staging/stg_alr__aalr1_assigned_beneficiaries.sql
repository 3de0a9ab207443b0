-- ALR Table 1-1, typed (alr_semantics §9): one row per beneficiary per 1-1 file.
{%- set text = mssp_common.text_type() %}

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'aalr1_assigned_beneficiaries', alr_layout('1-1')) }}
        as raw

),

renamed as (

    select
        ----------  ids
        bene_mbi_id,
        bene_hic_num,
        va_tin,
        va_npi,
        state_county_cd,

        ----------  file
        {{ alr_file_columns() }},

        ----------  demographics
        bene_1st_name as bene_first_name,
        bene_last_name,
        bene_sex_cd,
        bene_race_cd,
        {{ alr_date('bene_brth_dt') }} as bene_birth_date,
        {{ alr_date('bene_death_dt') }} as bene_death_date,
        bene_brth_dt as bene_birth_date_text,
        bene_death_dt as bene_death_date_text,
        geo_ssa_cnty_cd_name,
        geo_ssa_state_name,

        ----------  assignment
        {{ mssp_common.safe_cast('in_va_max', 'integer') }} as in_va_max,
        {{ mssp_common.safe_cast('cba_flag', 'integer') }} as cba_flag,
        -- ASSIGNMENT_TYPE comes as a code (integer, spec §9) or as text (`CLAIMS` / `VA`, as
        -- the synthetic files and the Tuva connector's examples have it): both are kept
        {{ mssp_common.safe_cast('assignment_type', 'integer') }} as assignment_type,
        upper(trim(assignment_type)) as assignment_type_text,
        {{ mssp_common.safe_cast('assigned_before', 'integer') }} as assigned_before,
        asg_status,
        {{ mssp_common.safe_cast('partd_months', 'integer') }} as partd_months,
        {{ mssp_common.safe_cast('new_enrollee', 'integer') }} as new_enrollee,
        {{ mssp_common.safe_cast('lti_status', 'integer') }} as lti_status,

        ----------  monthly enrollment flags (month N of the file's window)
        {%- for n in range(1, 13) %}
        {{ mssp_common.safe_cast('enrollflag' ~ n, 'integer') }} as enroll_flag_{{ n }},
        {%- endfor %}
        (
            {%- for n in range(1, 13) %}
            case when {{ mssp_common.safe_cast('enrollflag' ~ n, 'integer') }} is null
                then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as enroll_flag_invalid_count,

        ----------  risk model
        hcc_version,
        {%- for column in alr_numbered('hcc_col_', 1, var('alr_hcc_columns', 120)) %}
        {{ mssp_common.safe_cast(column, 'integer') }} as {{ column }},
        {%- endfor %}
        {%- for column in alr_numbered('bene_rsk_r_scre_', 1, 12, 2) + alr_score_columns() %}
        {{ mssp_common.safe_cast(column, 'decimal(38, 14)') }} as {{ column }},
        {%- endfor %}
        {{ mssp_common.safe_cast('bene_psnyrs_dual', 'decimal(38, 14)') }} as bene_psnyrs_dual

    from source

)

select * from renamed
