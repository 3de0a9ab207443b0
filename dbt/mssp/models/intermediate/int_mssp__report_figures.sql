-- The CMS figures the marts compare, from the worksheet cells (report_cell_measures seed):
-- one row per ACO x workbook x file x enrollment type x measure. Only the latest delivery of a
-- (workbook, period) counts (a re-delivery replaces the earlier file).
with cells as (
    select
        c.*,
        m.measure,
        e.enrollment_type
    from {{ ref('stg_mssp__report_cells') }} as c
    inner join {{ ref('report_cell_measures') }} as m
        on c.workbook = m.workbook
        and c.table_code = m.table_code
        and c.section_code = m.section_code
        and coalesce(c.column_group_label, '') = coalesce(m.column_group_label, '')
        -- the section's own row ('[A] Total ...'), not the detail rows under it
        and trim(c.row_label) like '[' || c.section_code || ']%'
    inner join {{ ref('enrollment_types') }} as e
        on lower(trim(c.column_label)) = e.label
    where c.value_number is not null
),

ranked as (
    select
        *,
        dense_rank() over (
            partition by aco_id, workbook, period
            order by file_date desc nulls last, file_name desc
        ) as delivery_rank
    from cells
)

select
    aco_id,
    workbook,
    -- the year the figures describe: AEXPU Y<yyyy> names its benchmark year, else the PY folder
    coalesce(benchmark_year, performance_year) as performance_year,
    period,
    file_name,
    file_date,
    enrollment_type,
    measure,
    value_number as value
from ranked
where delivery_rank = 1
