-- Top TIN and top NPI per beneficiary and delivery (alr_semantics §8): the 1-2 row with
-- the highest b_em_line_cnt_t (integer; NULL last; ties -> lowest master_id), then the
-- 1-4 row of that TIN with the highest pcs_count (ties -> lowest npi_used).
-- One row per delivery_key x bene_mbi_id.

with

tins_ranked as (

    select
        aco_id,
        performance_year,
        file_period,
        t_stamp,
        bene_mbi_id,
        master_id,
        row_number() over (
            partition by aco_id, performance_year, file_period, t_stamp, bene_mbi_id
            order by b_em_line_cnt_t desc nulls last, master_id asc, file_row_number asc
        ) as tin_rank
    from {{ ref('stg_alr__aalr2_assigned_beneficiaries_tin') }}
    where bene_mbi_id is not null

),

top_tins as (

    select * from tins_ranked where tin_rank = 1

),

npis_ranked as (

    select
        top_tins.aco_id,
        top_tins.performance_year,
        top_tins.file_period,
        top_tins.t_stamp,
        top_tins.bene_mbi_id,
        npis.npi_used,
        row_number() over (
            partition by
                top_tins.aco_id, top_tins.performance_year, top_tins.file_period,
                top_tins.t_stamp, top_tins.bene_mbi_id
            order by npis.pcs_count desc nulls last, npis.npi_used asc, npis.file_row_number asc
        ) as npi_rank
    from top_tins
    inner join {{ ref('stg_alr__aalr4_assigned_beneficiaries_tin_npi') }} as npis
        on npis.aco_id = top_tins.aco_id
        and npis.performance_year = top_tins.performance_year
        and npis.file_period = top_tins.file_period
        and npis.t_stamp = top_tins.t_stamp
        and npis.bene_mbi_id = top_tins.bene_mbi_id
        and npis.master_id = top_tins.master_id

),

final as (

    select
        top_tins.aco_id,
        top_tins.performance_year,
        top_tins.file_period,
        top_tins.t_stamp,
        top_tins.bene_mbi_id,
        top_tins.master_id as top_tin,
        npis_ranked.npi_used as top_npi
    from top_tins
    left join npis_ranked
        on npis_ranked.aco_id = top_tins.aco_id
        and npis_ranked.performance_year = top_tins.performance_year
        and npis_ranked.file_period = top_tins.file_period
        and npis_ranked.t_stamp = top_tins.t_stamp
        and npis_ranked.bene_mbi_id = top_tins.bene_mbi_id
        and npis_ranked.npi_rank = 1

)

select * from final
