-- Assigned, enrolled beneficiary months from dbt/alr: one row per ACO x person x month, from
-- the month's governing ALR file, with the enrollment type of its EnrollFlag (1 ESRD,
-- 2 disabled, 3 aged/dual, 4 aged/non-dual; alr_semantics §6). person_id is the current MBI
-- (dbt/cclf's resolved crosswalk), the id input_layer.medical_claim uses.
with history as (
    {{ mssp_common.select_or_empty(
        source('alr', 'alr_history'),
        ['aco_id', 'bene_mbi_id', 'enroll_month', 'enroll_flag', 'is_enrolled', 'is_governing', 'governing_rank'],
        {'enroll_month': 'date', 'enroll_flag': 'integer', 'is_enrolled': 'boolean',
         'is_governing': 'boolean', 'governing_rank': 'bigint'}) }}
),

crosswalk as (
    {{ mssp_common.select_or_empty(
        source('cclf_int', 'int_mbi_crosswalk_resolved'), ['prvs_num', 'crnt_num']) }}
),

governing as (
    select
        history.*,
        coalesce(crosswalk.crnt_num, history.bene_mbi_id) as person_id,
        row_number() over (
            partition by history.aco_id, coalesce(crosswalk.crnt_num, history.bene_mbi_id), history.enroll_month
            order by history.governing_rank, history.bene_mbi_id) as month_rank
    from history
    left join crosswalk on crosswalk.prvs_num = history.bene_mbi_id
    where history.is_governing and history.is_enrolled
)

select
    g.aco_id,
    g.person_id,
    g.bene_mbi_id,
    g.enroll_month,
    cast(extract(year from g.enroll_month) as integer) as performance_year,
    cast(extract(year from g.enroll_month) as {{ mssp_common.text_type() }})
        || 'Q' || cast(extract(quarter from g.enroll_month) as {{ mssp_common.text_type() }}) as quarter,
    e.enrollment_type
from governing as g
inner join {{ ref('enrollment_types') }} as e
    on g.enroll_flag = e.alr_enroll_flag
where g.month_rank = 1
