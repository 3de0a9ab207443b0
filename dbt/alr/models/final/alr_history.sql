-- One row per beneficiary x 1-1 file x month (alr_semantics §5): the 1-1 row unpivoted
-- over its 12-month window, with file metadata, seed columns, the governing flag (§6)
-- and the same delivery's top TIN/NPI, 1-5, 1-6 and 1-9 values.
{%- set text = mssp_common.text_type() %}

with

beneficiaries_ranked as (

    select
        stg.*,
        row_number() over (
            partition by stg.file_name, stg.bene_mbi_id
            order by stg.file_path asc, stg.file_row_number asc
        ) as duplicate_rank
    from {{ ref('stg_alr__aalr1_assigned_beneficiaries') }} as stg
    where stg.bene_mbi_id is not null

),

beneficiaries as (

    select * from beneficiaries_ranked where duplicate_rank = 1

),

beneficiary_months as (

    select
        beneficiaries.*,
        file_months.enroll_month,
        file_months.month_number,
        file_months.is_governing,
        file_months.governing_rank,
        file_months.report_year,
        file_months.period_start_date,
        file_months.period_end_date,
        file_months.priority,
        case file_months.month_number
            {%- for n in range(1, 13) %}
            when {{ n }} then beneficiaries.enroll_flag_{{ n }}
            {%- endfor %}
        end as enroll_flag
    from beneficiaries
    inner join {{ ref('int_alr_files_ranked') }} as file_months
        on file_months.file_name = beneficiaries.file_name

),

final as (

    select
        ----------  grain
        months.aco_id,
        months.bene_mbi_id,
        months.enroll_month,
        cast(
            extract(year from months.enroll_month) * 100 + extract(month from months.enroll_month)
            as {{ text }}
        ) as year_month,
        months.month_number,
        months.enroll_flag,
        coalesce(months.enroll_flag, 0) > 0 as is_enrolled,
        months.is_governing,
        months.governing_rank,

        ----------  file
        months.file_name,
        months.alr_file_type,
        months.file_period,
        months.performance_year,
        months.t_stamp,
        months.file_date,
        months.report_year,
        months.period_start_date,
        months.period_end_date,
        months.priority,

        ----------  beneficiary (table 1-1)
        months.bene_first_name,
        months.bene_last_name,
        months.bene_sex_cd,
        months.bene_race_cd,
        months.bene_birth_date,
        months.bene_death_date,
        months.geo_ssa_cnty_cd_name,
        months.geo_ssa_state_name,
        months.state_county_cd,
        months.in_va_max,
        months.va_tin,
        months.va_npi,
        months.cba_flag,
        months.assignment_type,
        months.assignment_type_text,
        months.assigned_before,
        months.asg_status,
        months.partd_months,
        months.new_enrollee,
        months.lti_status,
        months.hcc_version,
        {%- for column in alr_numbered('bene_rsk_r_scre_', 1, 12, 2) + alr_score_columns() %}
        months.{{ column }},
        {%- endfor %}
        months.bene_psnyrs_dual,

        ----------  same delivery: tables 1-2/1-4, 1-6, 1-9, 1-5
        providers.top_tin,
        providers.top_npi,
        details.va_selection_only,
        details.adi_natrank,
        details.bene_lis_status,
        details.bene_dual_status,
        details.bene_psnyrs_lis_dual,
        details.bene_psnyrs,
        {%- for flag in alr_turnover_flags() %}
        details.{{ flag }},
        {%- endfor %}
        coalesce(details.is_in_turnover_table, false) as is_in_turnover_table

    from beneficiary_months as months
    left join {{ ref('int_alr_top_providers_ranked') }} as providers
        on providers.aco_id = months.aco_id
        and providers.performance_year = months.performance_year
        and providers.file_period = months.file_period
        and providers.t_stamp = months.t_stamp
        and providers.bene_mbi_id = months.bene_mbi_id
    left join {{ ref('int_alr_beneficiary_details_aggregated') }} as details
        on details.aco_id = months.aco_id
        and details.performance_year = months.performance_year
        and details.file_period = months.file_period
        and details.t_stamp = months.t_stamp
        and details.bene_mbi_id = months.bene_mbi_id

)

select * from final
