-- Inputs of the savings estimate: one row per ACO x performance year, from CMS's own figures
-- (the annual AEXPU when delivered, else the latest QEXPU quarter; benchmark from the latest
-- BNMRK) and the assigned-beneficiary count from the ALR months of that year.
with totals as (
    select
        *,
        row_number() over (
            partition by aco_id, performance_year
            order by case when period_type = 'annual' then 0 else 1 end, period desc,
                     file_date desc nulls last) as pick
    from {{ ref('benchmark_vs_expenditure') }}
    where enrollment_type = 'total'
      and benchmark_per_capita is not null
      and expenditure_per_capita is not null
),

assigned as (
    select aco_id, performance_year, count(distinct person_id) as assigned_beneficiaries
    from {{ ref('int_mssp__assigned_months') }}
    group by 1, 2
)

select
    t.performance_year,
    t.period,
    t.file_name,
    t.file_date,
    t.aco_id,
    t.person_years,
    t.benchmark_per_capita,
    t.expenditure_per_capita,
    coalesce(a.assigned_beneficiaries, cast(round(t.person_years) as bigint)) as assigned_beneficiaries,
    a.assigned_beneficiaries is null as assigned_from_person_years
from totals as t
left join assigned as a
    on t.aco_id = a.aco_id and t.performance_year = a.performance_year
where t.pick = 1
