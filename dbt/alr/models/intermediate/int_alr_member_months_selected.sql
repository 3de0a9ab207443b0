-- Enrolled member months (alr_semantics §7): governing-file rows with enroll_flag > 0,
-- one row per ALR MBI and month; if two ACOs' governing files list the same MBI in one
-- month, the lowest aco_id keeps it (a warn test reports the overlap).

with

enrolled as (

    select
        bene_mbi_id,
        enroll_month,
        year_month,
        aco_id,
        file_name,
        file_date,
        period_end_date,
        top_tin,
        top_npi,
        row_number() over (
            partition by bene_mbi_id, enroll_month
            order by aco_id asc, file_name asc
        ) as aco_rank
    from {{ ref('alr_history') }}
    where is_governing
      and enroll_flag > 0

),

final as (

    select
        bene_mbi_id,
        enroll_month,
        year_month,
        aco_id,
        file_name,
        file_date,
        period_end_date,
        top_tin,
        top_npi
    from enrolled
    where aco_rank = 1

)

select * from final
