{#-
    The CCLF8 row of each person (§8): among the rows of any of the person's MBIs, the latest
    file (a row under the current MBI first when one file lists two). death_date falls back to
    the latest non-NULL BENE_DEATH_DT of any delivery. Grain: one row per person_id.
-#}
with

demographics as (
    select
        stg.*,
        coalesce(xw.crnt_num, stg.bene_mbi_id) as person_id
    from {{ ref('stg_cclf__beneficiary_demographics') }} as stg
    left join {{ ref('int_mbi_crosswalk_resolved') }} as xw
        on xw.prvs_num = stg.bene_mbi_id
    where stg.is_latest_copy
),

ranked as (
    select
        demographics.*,
        row_number() over (
            partition by person_id
            order by
                {{ latest_file_order() }},
                case when bene_mbi_id = person_id then 0 else 1 end,
                file_row_number desc nulls last
        ) as demographics_rank
    from demographics
),

deaths as (
    select
        person_id,
        bene_death_dt,
        row_number() over (
            partition by person_id
            order by {{ latest_copy_order() }}
        ) as death_rank
    from demographics
    where bene_death_dt is not null
),

latest as (
    select
        ranked.*,
        coalesce(ranked.bene_death_dt, deaths.bene_death_dt) as death_date
    from ranked
    left join deaths
        on deaths.person_id = ranked.person_id
        and deaths.death_rank = 1
    where ranked.demographics_rank = 1
)

select * from latest
