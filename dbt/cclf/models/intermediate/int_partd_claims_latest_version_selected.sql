{#-
    Part D (CCLF7): natural key with the current MBI (fallback: the claim alone), final
    version by adjustment code, effective date, numeric id, latest copy (§3.2, §3.4).
    No netting; a family whose final version is a cancellation produces no row.
    Grain: one row per final Part D claim.
-#}
with

claims as (
    select
        stg.*,
        coalesce(xw.crnt_num, stg.bene_mbi_id) as current_mbi
    from {{ ref('stg_cclf__partd_claims') }} as stg
    left join {{ ref('int_mbi_crosswalk_resolved') }} as xw
        on xw.prvs_num = stg.bene_mbi_id
    where stg.is_latest_copy
),

families as (
    select
        claims.*,
        case
            when clm_line_from_dt is null
                or clm_srvc_prvdr_gnrc_id_num is null
                or clm_line_rx_srvc_rfrnc_num is null
                then 'id|' || cur_clm_uniq_id
            else 'nk|' || {{ key_part('clm_line_from_dt') }}
                || '|' || {{ key_part('prvdr_srvc_id_qlfyr_cd') }}
                || '|' || {{ key_part('clm_srvc_prvdr_gnrc_id_num') }}
                || '|' || {{ key_part('clm_dspnsng_stus_cd') }}
                || '|' || {{ key_part('clm_line_rx_srvc_rfrnc_num') }}
                || '|' || {{ key_part('clm_line_rx_fill_num') }}
                || '|' || {{ key_part('current_mbi') }}
        end as family_id
    from claims
),

versioned as (
    select
        families.*,
        row_number() over (
            partition by family_id
            order by
                coalesce(clm_adjsmt_type_cd, 0) desc,
                clm_efctv_dt desc nulls last,
                {{ claim_id_desc('cur_clm_uniq_id') }},
                {{ latest_copy_order() }}
        ) as version_rank,
        count(*) over (partition by family_id) as version_count
    from families
),

final_versions as (
    select *
    from versioned
    where version_rank = 1
      and coalesce(clm_adjsmt_type_cd, 0) <> 1
)

select * from final_versions
