-- MCQM measure sheets/CSVs in one relation: one row per beneficiary x measure x delivery;
-- the measure prefix of each column (DM_AGE, BCS_DX, ...) is taken off.
{%- set measures = [
    ('DM', '001', 'mcqm_dm_001ssp'), ('BCS', '112', 'mcqm_bcs_112ssp'),
    ('CCS', '113', 'mcqm_ccs_113ssp'), ('DEP', '134', 'mcqm_dep_134ssp'),
    ('HTN', '236', 'mcqm_htn_236ssp')] %}
{%- set parts = ['age', 'dx', 'encounter', 'exclusion', 'filter'] %}
{%- for measure, quality_id, table in measures %}
{%- set columns = ['period', 'prfmnc_yr_num', 'bene_mbi_id'] %}
{%- for part in parts %}{% do columns.append(measure | lower ~ '_' ~ part) %}{% endfor %}
{{ 'union all' if not loop.first }}
select
    coalesce({{ mssp_common.cms_int('prfmnc_yr_num') }}, {{ mssp_common.cms_int('substr(period, 1, 4)') }}) as performance_year,
    period,
    file_name,
    file_date,
    '{{ measure }}' as measure,
    '{{ quality_id }}' as quality_id,
    bene_mbi_id,
    {%- for part in parts %}
    {{ measure | lower }}_{{ part }} as {{ part }},
    {%- endfor %}
    file_path,
    file_row_number,
    load_id
from {{ mssp_raw_relation(table, columns) }} as raw_{{ measure | lower }}
{%- endfor %}
