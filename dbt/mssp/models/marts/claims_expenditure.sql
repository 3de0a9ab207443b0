-- The claims' answer at CMS's grain: one row per ACO x performance year x period (quarter
-- 'YYYYQn' and year 'Yyyyy') x enrollment type (and total). Person-months of assigned, enrolled
-- beneficiaries (alr.alr_history's governing months); paid amounts of input_layer.medical_claim
-- (Parts A and B; Part D is pharmacy_claim and is left out, as CMS does) in those months by
-- service month; per capita per year = paid / person-months x 12. Only months inside the
-- claims' coverage (first to last service month present) count, so a year the CCLF does not
-- cover is absent rather than $0.
with months as (
    select * from {{ ref('int_mssp__assigned_months') }}
),

claims as (
    select
        person_id,
        cast(date_trunc('month', coalesce(claim_line_start_date, claim_start_date)) as date) as service_month,
        sum(paid_amount) as paid_amount,
        count(*) as claim_lines
    from (
        {{ mssp_common.select_or_empty(
            source('input_layer', 'medical_claim'),
            ['person_id', 'claim_start_date', 'claim_line_start_date', 'paid_amount'],
            {'claim_start_date': 'date', 'claim_line_start_date': 'date', 'paid_amount': 'double'}) }}
    ) as medical_claim
    group by 1, 2
),

coverage as (
    select min(service_month) as first_month, max(service_month) as last_month from claims
),

month_paid as (
    select
        m.aco_id, m.performance_year, m.quarter, m.enrollment_type, m.person_id,
        coalesce(c.paid_amount, 0) as paid_amount
    from months as m
    left join claims as c
        on c.person_id = m.person_id and c.service_month = m.enroll_month
    inner join coverage as v
        on m.enroll_month between v.first_month and v.last_month
),

by_period as (
    select aco_id, performance_year, quarter as period, enrollment_type,
           count(*) as person_months, count(distinct person_id) as beneficiaries, sum(paid_amount) as paid_amount
    from month_paid group by 1, 2, 3, 4
    union all
    select aco_id, performance_year, quarter, 'total',
           count(*), count(distinct person_id), sum(paid_amount)
    from month_paid group by 1, 2, 3
    union all
    select aco_id, performance_year, 'Y' || cast(performance_year as {{ mssp_common.text_type() }}), enrollment_type,
           count(*), count(distinct person_id), sum(paid_amount)
    from month_paid group by 1, 2, 3, 4
    union all
    select aco_id, performance_year, 'Y' || cast(performance_year as {{ mssp_common.text_type() }}), 'total',
           count(*), count(distinct person_id), sum(paid_amount)
    from month_paid group by 1, 2, 3
)

select
    performance_year,
    period,
    cast(null as {{ mssp_common.text_type() }}) as file_name,
    cast(null as date) as file_date,
    aco_id,
    enrollment_type,
    case when period like '%Q%' then 'quarterly' else 'annual' end as period_type,
    person_months,
    person_months / 12.0 as person_years,
    beneficiaries,
    paid_amount,
    paid_amount / nullif(person_months, 0) * 12 as expenditure_per_capita
from by_period
