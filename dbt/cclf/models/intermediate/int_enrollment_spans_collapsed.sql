{#-
    Maximal runs of consecutive enrolled months per person (§8); a gap of a month or more
    starts a new span. Grain: one row per person_id and enrollment span.
-#}
with

months as (
    select
        person_id,
        month_start,
        extract(year from month_start) * 12 + extract(month from month_start)
            - row_number() over (partition by person_id order by month_start) as run_id
    from {{ ref('int_enrollment_months_unioned') }}
),

spans as (
    select
        person_id,
        min(month_start) as enrollment_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'max(month_start)')) }} as date
        ) as enrollment_end_date
    from months
    group by person_id, run_id
)

select * from spans
