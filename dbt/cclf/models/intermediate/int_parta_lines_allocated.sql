{#-
    Part A output lines (§4): the CCLF2 lines of each final header joined on the claim id
    only, with the header's net paid amount allocated by the IP §3.5 rule and the net charge
    on one line. A header without lines becomes line 1.
    Grain: one row per final Part A claim and line.
-#}
with

headers as (
    select * from {{ ref('int_parta_claims_latest_version_selected') }}
),

lines as {{ mssp_common.not_materialized() }} (  -- read twice; see the macro
    select stg.*
    from {{ ref('stg_cclf__parta_claims_revenue_center_detail') }} as stg
    where stg.is_latest_copy
      and stg.cur_clm_uniq_id in (select cur_clm_uniq_id from headers)
),

line_totals as (
    select
        cur_clm_uniq_id,
        sum(clm_line_cvrd_pd_amt) as line_sum,
        min(clm_line_num) as first_line_num,
        min(case when clm_line_prod_rev_ctr_cd = '0001' then clm_line_num end) as total_line_num
    from lines
    group by cur_clm_uniq_id
),

allocated as (
    select
        headers.*,
        lines.clm_line_num is not null as has_revenue_lines,
        coalesce(lines.clm_line_num, 1) as claim_line_number,
        lines.clm_line_prod_rev_ctr_cd,
        lines.clm_line_hcpcs_cd,
        lines.hcpcs_1_mdfr_cd,
        lines.hcpcs_2_mdfr_cd,
        lines.hcpcs_3_mdfr_cd,
        lines.hcpcs_4_mdfr_cd,
        lines.hcpcs_5_mdfr_cd,
        lines.clm_line_srvc_unit_qty,
        case
            when lines.clm_line_num is null then headers.clm_from_dt
            else lines.clm_line_from_dt
        end as claim_line_start_date,
        case
            when lines.clm_line_num is null then headers.clm_thru_dt
            else lines.clm_line_thru_dt
        end as claim_line_end_date,
        case
            when lines.clm_line_num is null then headers.net_clm_pmt_amt
            when line_totals.line_sum = headers.net_clm_pmt_amt then lines.clm_line_cvrd_pd_amt
            when lines.clm_line_num = line_totals.first_line_num then headers.net_clm_pmt_amt
            else 0
        end as paid_amount,
        case
            when lines.clm_line_num is null then headers.net_clm_mdcr_instnl_tot_chrg_amt
            when lines.clm_line_num = coalesce(line_totals.total_line_num, line_totals.first_line_num)
                then headers.net_clm_mdcr_instnl_tot_chrg_amt
        end as charge_amount
    from headers
    left join lines
        on lines.cur_clm_uniq_id = headers.cur_clm_uniq_id
    left join line_totals
        on line_totals.cur_clm_uniq_id = headers.cur_clm_uniq_id
)

select * from allocated
