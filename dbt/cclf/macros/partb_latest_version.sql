{#-
    Part B lines (CCLF5 / CCLF6): denial filter (§3.1), natural key (CLM_CNTL_NUM,
    CLM_LINE_NUM, current MBI; fallback CUR_CLM_UNIQ_ID + line) = family (§3.2), final version
    (§3.4) with net line amounts (§3.5); cancelled families produce no row.
-#}
{% macro partb_latest_version(staging_model) -%}
with

lines as (
    select
        stg.*,
        coalesce(xw.crnt_num, stg.bene_mbi_id) as current_mbi,
        case when stg.clm_adjsmt_type_cd = 1 then -1 else 1 end as version_sign
    from {{ ref(staging_model) }} as stg
    left join {{ ref('int_mbi_crosswalk_resolved') }} as xw
        on xw.prvs_num = stg.bene_mbi_id
    where stg.is_latest_copy
      -- NULL denial code / processing indicator is not a denial
      and coalesce(stg.clm_carr_pmt_dnl_cd, '') <> '0'
      and (
          stg.clm_prcsg_ind_cd is null
          or upper(stg.clm_prcsg_ind_cd) in ('A', 'R', 'S', 'O')
      )
),

families as (
    select
        lines.*,
        case
            when clm_cntl_num is null
                then 'id|' || cur_clm_uniq_id || '|' || cast(clm_line_num as {{ mssp_common.text_type() }})
            else 'nk|' || clm_cntl_num
                || '|' || cast(clm_line_num as {{ mssp_common.text_type() }})
                || '|' || {{ key_part('current_mbi') }}
        end as family_id
    from lines
),

{{ final_versions_netted(['clm_line_cvrd_pd_amt', 'clm_line_alowd_chrg_amt']) }}

select * from final_versions
{%- endmacro %}
