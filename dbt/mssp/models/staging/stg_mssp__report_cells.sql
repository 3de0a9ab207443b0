-- BNMRK / AEXPU / QEXPU worksheet cells in one relation (mssp_files.md §4.5): one row per cell;
-- value_number is the cell as a number when it is one ('-' and labels stay NULL).
{%- set tables = 'bnmrk_table_1 bnmrk_table_1a bnmrk_table_1b bnmrk_table_1c bnmrk_table_2 bnmrk_table_3 bnmrk_table_4 bnmrk_table_5 bnmrk_table_6 bnmrk_parameters aexpu_table_1 aexpu_table_1a aexpu_table_3 aexpu_table_4 aexpu_table_4a aexpu_parameters qexpu_table_1 qexpu_table_2 qexpu_table_3 qexpu_parameters'.split() %}
with unioned as (
{%- for table in tables %}
    {{ 'union all' if not loop.first }}
    select
        '{{ table.split('_')[0] | upper }}' as workbook,
        '{{ table.split('_', 1)[1] | replace('table_', '') }}' as table_code,
        *
    from {{ mssp_raw_relation(table, [
        'row_num', 'group_label', 'section_code', 'section_label', 'row_label',
        'column_group_label', 'column_label', 'value_text', 'aco_id', 'performance_year',
        'benchmark_year', 'submission_id', 'period']) }} as raw_{{ loop.index }}
{%- endfor %}
)
select
    {{ mssp_common.cms_int('performance_year') }} as performance_year,
    period,
    file_name,
    file_date,
    aco_id,
    workbook,
    table_code,
    {{ mssp_common.cms_int('benchmark_year') }} as benchmark_year,
    submission_id,
    {{ mssp_common.cms_int('row_num') }} as row_num,
    group_label,
    section_code,
    section_label,
    row_label,
    column_group_label,
    column_label,
    value_text,
    {{ mssp_common.safe_cast('value_text', 'double') }} as value_number,
    file_path,
    file_row_number,
    load_id
from unioned
