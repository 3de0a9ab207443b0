-- warn: one CCLF9 file maps one previous id to two current ids (§2 step 2)
{{ config(severity='warn') }}
select file_name, prvs_num, count(distinct crnt_num) as current_ids
from {{ ref('stg_cclf__beneficiary_xref') }}
where prvs_num is not null and crnt_num is not null and prvs_num <> crnt_num
group by file_name, prvs_num
having count(distinct crnt_num) > 1
