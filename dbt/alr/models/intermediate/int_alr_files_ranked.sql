-- The governing 1-1 file per ACO-month (alr_semantics §6): every file with a seed row
-- covers the 12 months of its window; per (aco_id, enroll_month) the earliest
-- performance year wins, then the lowest priority, then the latest delivery (later
-- file_date when every competing delivery has a real date, else the higher t_stamp).
-- One row per file x month.

with

files as (

    select *
    from {{ ref('int_alr_files_listed') }}
    where has_seed_row

),

month_numbers as (

    {%- for n in range(1, 13) %}
    select {{ n }} as month_number{{ ' union all' if not loop.last }}
    {%- endfor %}

),

file_months as (

    select
        files.*,
        month_numbers.month_number,
        cast({{ dbt.dateadd('month', 'month_numbers.month_number - 1', 'files.period_start_date') }}
            as date) as enroll_month
    from files
    cross join month_numbers

),

delivery_dating as (

    select
        file_months.*,
        min(case when file_date is null then 0 else 1 end) over (
            partition by aco_id, enroll_month, performance_year, priority
        ) = 1 as all_deliveries_dated
    from file_months

),

ranked as (

    select
        delivery_dating.*,
        row_number() over (
            partition by aco_id, enroll_month
            order by
                performance_year asc,
                priority asc,
                case when all_deliveries_dated then file_date end desc nulls last,
                t_stamp desc nulls last,
                file_name desc
        ) as governing_rank
    from delivery_dating

),

final as (

    select
        file_name,
        aco_id,
        enroll_month,
        month_number,
        governing_rank,
        governing_rank = 1 as is_governing,
        alr_file_type,
        file_period,
        performance_year,
        t_stamp,
        file_date,
        file_path,
        report_year,
        period_start_date,
        period_end_date,
        priority
    from ranked

)

select * from final
