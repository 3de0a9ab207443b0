-- warn: CCLF2 lines whose claim id has no final header (expected for superseded versions, §4)
{{ config(severity='warn') }}
select count(*) as orphan_lines
from {{ ref('stg_cclf__parta_claims_revenue_center_detail') }} as lines
where lines.is_latest_copy
  and lines.cur_clm_uniq_id not in (
      select cur_clm_uniq_id from {{ ref('int_parta_claims_latest_version_selected') }}
  )
having count(*) > 0
