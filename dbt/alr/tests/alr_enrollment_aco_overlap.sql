-- MBI-months listed as enrolled by the governing files of two ACOs (alr_semantics §7);
-- the lowest aco_id keeps the month. Reports months and ACO counts, never MBIs.
{{ config(severity='warn') }}

select
    year_month,
    count(*) as overlapping_beneficiaries
from (
    select bene_mbi_id, year_month
    from {{ ref('alr_history') }}
    where is_governing
      and enroll_flag > 0
    group by bene_mbi_id, year_month
    having count(distinct aco_id) > 1
) as overlapping_months
group by year_month
