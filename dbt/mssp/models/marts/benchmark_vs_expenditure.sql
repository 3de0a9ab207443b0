-- CMS's own numbers: one row per ACO x performance year x period (QEXPU quarter or AEXPU year)
-- x enrollment type (esrd, disabled, aged_dual, aged_non_dual, total). Benchmark per capita
-- from the latest BNMRK of the year; `total` is person-year weighted when CMS gives no Total.
with figures as (
    select * from {{ ref('int_mssp__report_figures') }}
),

expenditure as (
    select
        aco_id, performance_year, period, file_name, file_date, enrollment_type,
        max(case when measure = 'expenditure_per_capita' then value end) as expenditure_per_capita,
        max(case when measure = 'person_years' then value end) as person_years
    from figures
    where workbook in ('QEXPU', 'AEXPU')
    group by 1, 2, 3, 4, 5, 6
),

expenditure_total as (
    select * from expenditure where enrollment_type <> 'total'
    union all
    select
        aco_id, performance_year, period, file_name, file_date, 'total',
        sum(expenditure_per_capita * person_years) / nullif(sum(person_years), 0),
        sum(person_years)
    from expenditure
    where enrollment_type <> 'total'
      and not exists (
          select 1 from expenditure as t
          where t.enrollment_type = 'total' and t.file_name = expenditure.file_name)
    group by 1, 2, 3, 4, 5
    union all
    select * from expenditure where enrollment_type = 'total'
),

benchmark_files as (
    select
        aco_id, performance_year, file_name as benchmark_file_name,
        row_number() over (
            partition by aco_id, performance_year
            order by file_date desc nulls last, file_name desc) as file_rank
    from (select distinct aco_id, performance_year, file_name, file_date
          from figures where workbook = 'BNMRK') as files
),

benchmark as (
    select
        f.aco_id, f.performance_year, f.file_name as benchmark_file_name, f.enrollment_type,
        max(case when f.measure = 'historical_benchmark_per_capita' then f.value end) as historical_benchmark_per_capita,
        max(case when f.measure = 'updated_benchmark_per_capita' then f.value end) as updated_benchmark_per_capita,
        max(case when f.measure = 'benchmark_person_years' then f.value end) as benchmark_person_years
    from figures as f
    inner join benchmark_files as b
        on f.aco_id = b.aco_id and f.performance_year = b.performance_year
        and f.file_name = b.benchmark_file_name and b.file_rank = 1
    where f.workbook = 'BNMRK'
    group by 1, 2, 3, 4
),

benchmark_total as (
    select * from benchmark where enrollment_type <> 'total'
    union all
    select
        aco_id, performance_year, benchmark_file_name, 'total',
        sum(historical_benchmark_per_capita * benchmark_person_years) / nullif(sum(benchmark_person_years), 0),
        sum(updated_benchmark_per_capita * benchmark_person_years) / nullif(sum(benchmark_person_years), 0),
        sum(benchmark_person_years)
    from benchmark
    where enrollment_type <> 'total'
      and not exists (select 1 from benchmark as t
                      where t.enrollment_type = 'total' and t.benchmark_file_name = benchmark.benchmark_file_name)
    group by 1, 2, 3
    union all
    select * from benchmark where enrollment_type = 'total'
)

select
    e.performance_year,
    e.period,
    e.file_name,
    e.file_date,
    e.aco_id,
    e.enrollment_type,
    case when e.period like '%Q%' then 'quarterly' else 'annual' end as period_type,
    e.person_years,
    b.historical_benchmark_per_capita,
    b.updated_benchmark_per_capita,
    coalesce(b.updated_benchmark_per_capita, b.historical_benchmark_per_capita) as benchmark_per_capita,
    e.expenditure_per_capita,
    coalesce(b.updated_benchmark_per_capita, b.historical_benchmark_per_capita)
        - e.expenditure_per_capita as savings_per_capita,
    b.benchmark_file_name
from expenditure_total as e
left join benchmark_total as b
    on e.aco_id = b.aco_id
    and e.performance_year = b.performance_year
    and e.enrollment_type = b.enrollment_type
