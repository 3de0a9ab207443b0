-- Tables 1-5, 1-6 and 1-9 per beneficiary and delivery (alr_semantics §5.3): the 1-5
-- reason flags as the max per flag, 1-6 and 1-9 as one row (first in the file).
-- One row per delivery_key x bene_mbi_id.

with

turnover as (

    select
        aco_id, performance_year, file_period, t_stamp, bene_mbi_id,
        {%- for flag in alr_turnover_flags() %}
        max({{ flag }}) as {{ flag }},
        {%- endfor %}
        1 as in_table_1_5
    from {{ ref('stg_alr__aalr5_beneficiary_turnover') }}
    where bene_mbi_id is not null
    group by aco_id, performance_year, file_period, t_stamp, bene_mbi_id

),

assignable_ranked as (

    select
        aco_id, performance_year, file_period, t_stamp, bene_mbi_id,
        va_selection_only,
        row_number() over (
            partition by aco_id, performance_year, file_period, t_stamp, bene_mbi_id
            order by file_row_number asc
        ) as row_rank
    from {{ ref('stg_alr__aalr6_beneficiaries_assignable_or_voluntary') }}
    where bene_mbi_id is not null

),

underserved_ranked as (

    select
        aco_id, performance_year, file_period, t_stamp, bene_mbi_id,
        adi_natrank, bene_lis_status, bene_dual_status, bene_psnyrs_lis_dual, bene_psnyrs,
        row_number() over (
            partition by aco_id, performance_year, file_period, t_stamp, bene_mbi_id
            order by file_row_number asc
        ) as row_rank
    from {{ ref('stg_alr__aalr9_beneficiaries_underserved') }}
    where bene_mbi_id is not null

),

keys as (

    select aco_id, performance_year, file_period, t_stamp, bene_mbi_id from turnover
    union
    select aco_id, performance_year, file_period, t_stamp, bene_mbi_id
    from assignable_ranked where row_rank = 1
    union
    select aco_id, performance_year, file_period, t_stamp, bene_mbi_id
    from underserved_ranked where row_rank = 1

),

final as (

    select
        keys.aco_id,
        keys.performance_year,
        keys.file_period,
        keys.t_stamp,
        keys.bene_mbi_id,
        assignable_ranked.va_selection_only,
        underserved_ranked.adi_natrank,
        underserved_ranked.bene_lis_status,
        underserved_ranked.bene_dual_status,
        underserved_ranked.bene_psnyrs_lis_dual,
        underserved_ranked.bene_psnyrs,
        {%- for flag in alr_turnover_flags() %}
        turnover.{{ flag }},
        {%- endfor %}
        coalesce(turnover.in_table_1_5, 0) = 1 as is_in_turnover_table
    from keys
    left join turnover
        on turnover.aco_id = keys.aco_id
        and turnover.performance_year = keys.performance_year
        and turnover.file_period = keys.file_period
        and turnover.t_stamp = keys.t_stamp
        and turnover.bene_mbi_id = keys.bene_mbi_id
    left join assignable_ranked
        on assignable_ranked.aco_id = keys.aco_id
        and assignable_ranked.performance_year = keys.performance_year
        and assignable_ranked.file_period = keys.file_period
        and assignable_ranked.t_stamp = keys.t_stamp
        and assignable_ranked.bene_mbi_id = keys.bene_mbi_id
        and assignable_ranked.row_rank = 1
    left join underserved_ranked
        on underserved_ranked.aco_id = keys.aco_id
        and underserved_ranked.performance_year = keys.performance_year
        and underserved_ranked.file_period = keys.file_period
        and underserved_ranked.t_stamp = keys.t_stamp
        and underserved_ranked.bene_mbi_id = keys.bene_mbi_id
        and underserved_ranked.row_rank = 1

)

select * from final
