-- warn: CCLF4/CCLF3 rows of final claims at positions > 25 or losing a position collision (§5)
{{ config(severity='warn') }}
select 'diagnosis' as code_kind, cur_clm_uniq_id, unplaced_count
from {{ ref('int_parta_diagnoses_pivoted') }}
where unplaced_count > 0
union all
select 'procedure' as code_kind, cur_clm_uniq_id, unplaced_count
from {{ ref('int_parta_procedures_pivoted') }}
where unplaced_count > 0
