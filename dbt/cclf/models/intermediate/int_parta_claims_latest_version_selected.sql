{#-
    Part A headers (CCLF1): denied claims dropped (§3.1), natural key on the current MBI
    (§3.2), claim families (§3.3), the final version of each family (§3.4) with the family's
    net amounts (§3.5). Cancelled families produce no row.
    Grain: one row per final-action Part A claim.
-#}
{%- set max_depth = 100 -%}

with recursive

headers as (
    select
        stg.*,
        coalesce(xw.crnt_num, stg.bene_mbi_id) as current_mbi,
        coalesce(stg.clm_blg_prvdr_oscar_num, stg.prvdr_oscar_num) as key_ccn,
        case when stg.clm_adjsmt_type_cd = 1 then -1 else 1 end as version_sign
    from {{ ref('stg_cclf__parta_claims_header') }} as stg
    left join {{ ref('int_mbi_crosswalk_resolved') }} as xw
        on xw.prvs_num = stg.bene_mbi_id
    where stg.is_latest_copy
      and stg.clm_mdcr_npmt_rsn_cd is null
),

keyed as (
    select
        headers.*,
        case
            when key_ccn is null then 'id|' || cur_clm_uniq_id
            else 'nk|' || key_ccn
                || '|' || {{ key_part('clm_from_dt') }}
                || '|' || {{ key_part('clm_thru_dt') }}
                || '|' || {{ key_part('current_mbi') }}
        end as natural_key
    from headers
),

-- control numbers of a key and the original each points to
cntl_nodes as (
    select
        natural_key,
        clm_cntl_num,
        min(case when clm_org_cntl_num <> clm_cntl_num then clm_org_cntl_num end) as org_cntl_num
    from keyed
    where clm_cntl_num is not null
    group by natural_key, clm_cntl_num
),

root_walk (natural_key, start_cntl, cur_cntl, depth) as (
    -- text casts: PostgreSQL wants the same type (not varchar(n)) in both terms
    select natural_key, cast(clm_cntl_num as {{ mssp_common.text_type() }}),
        cast(clm_cntl_num as {{ mssp_common.text_type() }}), 0
    from cntl_nodes
    union all
    select root_walk.natural_key, root_walk.start_cntl, cntl_nodes.org_cntl_num, root_walk.depth + 1
    from root_walk
    inner join cntl_nodes
        on cntl_nodes.natural_key = root_walk.natural_key
        and cntl_nodes.clm_cntl_num = root_walk.cur_cntl
    where cntl_nodes.org_cntl_num is not null
      and root_walk.depth < {{ max_depth }}
),

root_ranked as (
    select
        natural_key,
        start_cntl,
        cur_cntl,
        depth,
        row_number() over (partition by natural_key, start_cntl order by depth desc) as step_rank,
        min(cur_cntl) over (partition by natural_key, start_cntl) as min_cntl
    from root_walk
),

roots as (
    select
        natural_key,
        start_cntl as clm_cntl_num,
        -- a control-number loop (never expected) resolves to its lowest number
        case when depth >= {{ max_depth }} then min_cntl else cur_cntl end as root_cntl
    from root_ranked
    where step_rank = 1
),

unseen_roots as (
    select
        roots.natural_key,
        count(distinct roots.root_cntl) as unseen_root_count,
        min(roots.root_cntl) as unseen_root
    from roots
    where not exists (
        select 1 from cntl_nodes
        where cntl_nodes.natural_key = roots.natural_key
          and cntl_nodes.clm_cntl_num = roots.root_cntl
    )
    group by roots.natural_key
),

no_cntl_versions as (
    select
        natural_key,
        sum(case when coalesce(clm_adjsmt_type_cd, 0) <> 0 then 1 else 0 end) as non_original_count
    from keyed
    where clm_cntl_num is null
    group by natural_key
),

families as (
    select
        keyed.*,
        case
            when keyed.clm_cntl_num is not null
                then keyed.natural_key || '|root|' || roots.root_cntl
            when unseen_roots.unseen_root_count = 1
                then keyed.natural_key || '|root|' || unseen_roots.unseen_root
            when no_cntl_versions.non_original_count = 0
                then keyed.natural_key || '|id|' || keyed.cur_clm_uniq_id
            else keyed.natural_key || '|no-cntl'
        end as family_id
    from keyed
    left join roots
        on roots.natural_key = keyed.natural_key
        and roots.clm_cntl_num = keyed.clm_cntl_num
    left join unseen_roots
        on unseen_roots.natural_key = keyed.natural_key
    left join no_cntl_versions
        on no_cntl_versions.natural_key = keyed.natural_key
),

{{ final_versions_netted(['clm_pmt_amt', 'clm_mdcr_instnl_tot_chrg_amt']) }}

select * from final_versions
