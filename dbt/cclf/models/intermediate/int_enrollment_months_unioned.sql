{#-
    Enrolled months per person (§8): ALR spans expanded to every month they touch, member-month
    rows as they are (or, with var eligibility_source = 'cclf8', the months of the regular CCLF8
    files listing the MBI); each MBI mapped through the crosswalk; distinct (person, month).
    Grain: one row per person_id and month_start.
-#}
with recursive

{% if var('eligibility_source', 'alr') == 'cclf8' %}
mbi_months as (
    select distinct
        bene_mbi_id,
        cast({{ dbt.date_trunc('month', 'file_date') }} as date) as month_start
    from {{ ref('stg_cclf__beneficiary_demographics') }}
    where delivery_kind = 'regular'
      and bene_mbi_id is not null
      and file_date is not null
),
{% else %}
enrollment as (
    select * from {{ ref('stg_alr__enrollment') }}
    where bene_mbi_id is not null
),

span_months (bene_mbi_id, month_start, last_month_start) as (
    select
        bene_mbi_id,
        cast({{ dbt.date_trunc('month', 'enrollment_start_date') }} as date),
        cast({{ dbt.date_trunc('month', 'enrollment_end_date') }} as date)
    from enrollment
    where bene_member_month is null
      and enrollment_start_date is not null
      and enrollment_end_date is not null
      and enrollment_start_date <= enrollment_end_date
    union all
    select
        bene_mbi_id,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date),
        last_month_start
    from span_months
    where month_start < last_month_start
),

mbi_months as (
    select bene_mbi_id, month_start from span_months
    union all
    select
        bene_mbi_id,
        cast({{ dbt.date_trunc('month', 'bene_member_month') }} as date) as month_start
    from enrollment
    where bene_member_month is not null
),
{% endif %}

person_months as (
    select distinct
        coalesce(xw.crnt_num, mbi_months.bene_mbi_id) as person_id,
        mbi_months.month_start
    from mbi_months
    left join {{ ref('int_mbi_crosswalk_resolved') }} as xw
        on xw.prvs_num = mbi_months.bene_mbi_id
)

select * from person_months
