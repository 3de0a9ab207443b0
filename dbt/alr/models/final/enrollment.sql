-- alr.enrollment (alr_semantics §7, contract §5), keyed by the MBI as the ALR lists it.
-- Default: one row per maximal run of consecutive enrolled months (bene_member_month
-- NULL). With var member_months_enrollment: one row per MBI x month.

with

member_months as (

    select
        bene_mbi_id,
        enroll_month
    from {{ ref('int_alr_member_months_selected') }}

),

{% if var('member_months_enrollment') %}

final as (

    select
        bene_mbi_id as current_bene_mbi_id,
        enroll_month as enrollment_start_date,
        cast({{ dbt.last_day('enroll_month', 'month') }} as date) as enrollment_end_date,
        enroll_month as bene_member_month
    from member_months

)

{% else %}

islands as (

    select
        bene_mbi_id,
        enroll_month,
        {{ alr_month_index('enroll_month') }}
            - row_number() over (partition by bene_mbi_id order by enroll_month) as island
    from member_months

),

spans as (

    select
        bene_mbi_id,
        min(enroll_month) as first_month,
        max(enroll_month) as last_month
    from islands
    group by bene_mbi_id, island

),

final as (

    select
        bene_mbi_id as current_bene_mbi_id,
        first_month as enrollment_start_date,
        cast({{ dbt.last_day('last_month', 'month') }} as date) as enrollment_end_date,
        cast(null as date) as bene_member_month
    from spans

)

{% endif %}

select * from final
