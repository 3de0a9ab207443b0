-- warn: raw CCLF rows excluded because an identity column is NULL (cclf_semantics §0.1)
{{ config(severity='warn') }}
{%- set tables = {
    'stg_cclf__parta_claims_header': ['cur_clm_uniq_id'],
    'stg_cclf__parta_claims_revenue_center_detail': ['cur_clm_uniq_id', 'clm_line_num'],
    'stg_cclf__parta_procedure_code': ['cur_clm_uniq_id', 'clm_val_sqnc_num'],
    'stg_cclf__parta_diagnosis_code': ['cur_clm_uniq_id', 'clm_prod_type_cd', 'clm_val_sqnc_num'],
    'stg_cclf__partb_physicians': ['cur_clm_uniq_id', 'clm_line_num'],
    'stg_cclf__partb_dme': ['cur_clm_uniq_id', 'clm_line_num'],
    'stg_cclf__partd_claims': ['cur_clm_uniq_id'],
    'stg_cclf__beneficiary_demographics': ['bene_mbi_id'],
} %}
{%- for model, cols in tables.items() %}
select '{{ model }}' as model_name, count(*) as unusable_rows
from {{ ref(model) }}
where {% for col in cols %}{{ col }} is null{{ " or " if not loop.last }}{% endfor %}
having count(*) > 0
{{ "union all" if not loop.last }}
{%- endfor %}
