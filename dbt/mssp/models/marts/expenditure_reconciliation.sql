-- Claims against CMS: one row per ACO x performance year x period x enrollment type where CMS
-- reported an expenditure (QEXPU quarter, AEXPU year). ratio = claims per capita / CMS per
-- capita. They differ legitimately: claims run-out is incomplete for recent months, CMS excludes
-- and adjusts (IME/DSH/uncompensated care, truncation, sequestration, beneficiaries CMS
-- excluded), and assignment windows differ; read the ratio as a trend, not an error.
select
    c.performance_year,
    c.period,
    c.file_name,
    c.file_date,
    c.aco_id,
    c.enrollment_type,
    c.period_type,
    c.person_years as cms_person_years,
    x.person_years as claims_person_years,
    c.expenditure_per_capita as cms_expenditure_per_capita,
    x.expenditure_per_capita as claims_expenditure_per_capita,
    x.expenditure_per_capita / nullif(c.expenditure_per_capita, 0) as ratio,
    x.expenditure_per_capita / nullif(c.expenditure_per_capita, 0)
        between {{ var('reconciliation_ratio_min') }} and {{ var('reconciliation_ratio_max') }} as is_within_band
from {{ ref('benchmark_vs_expenditure') }} as c
left join {{ ref('claims_expenditure') }} as x
    on c.aco_id = x.aco_id
    and c.performance_year = x.performance_year
    and c.period = x.period
    and c.enrollment_type = x.enrollment_type
