{#-
    File metadata from an ALR member name (alr_semantics §2-§3), as a column list:
    aco_id, alr_table, alr_file_type, file_period, performance_year, t_stamp.
    Usage: select {{ alr_file_metadata('file_name') }}, ... from ...
-#}
{% macro alr_name_part(file_name, group) -%}
    {{ alr_regex_group(file_name,
        '^([PT])[.]([A-Z][0-9]{4})[.]ACO[.](QALR|AALR)[.](([0-9]{4}Q[1-4]|Y[0-9]{4})[.])?'
        ~ 'D([0-9]{6})[.]T([0-9]{7})_1-([0-9]{1,2})([.][cC][sS][vV])?$', group) }}
{%- endmacro %}

{% macro alr_file_metadata(file_name) -%}
    {%- set report = alr_name_part(file_name, 3) -%}
    {%- set period = alr_name_part(file_name, 5) -%}
    {%- set d_year = mssp_common.safe_cast("substr(" ~ alr_name_part(file_name, 6) ~ ", 1, 2)", 'integer') -%}
    {{ alr_name_part(file_name, 2) }} as aco_id,
    '1-' || {{ alr_name_part(file_name, 8) }} as alr_table,
    case
        when {{ report }} = 'QALR' then 'quarterly'
        when {{ report }} = 'AALR' and {{ period }} is not null then 'benchmark'
        when {{ report }} = 'AALR' then 'initial'
    end as alr_file_type,
    case
        when {{ period }} is not null then {{ period }}
        when {{ report }} = 'AALR' then 'Y' || cast(2000 + {{ d_year }} as {{ mssp_common.text_type() }})
    end as file_period,
    case
        when {{ report }} = 'QALR' then {{ mssp_common.safe_cast("substr(" ~ period ~ ", 1, 4)", 'integer') }}
        when {{ report }} = 'AALR' then 2000 + {{ d_year }}
    end as performance_year,
    {{ mssp_common.safe_cast(alr_name_part(file_name, 7), 'bigint') }} as t_stamp
{%- endmacro %}

{#-
    The file columns every ALR staging model carries, in one place: the member name, its
    metadata (alr_file_metadata) and the loader's columns (contract §4).
    Usage: select <ids>, {{ alr_file_columns() }}, <typed columns> from source
-#}
{% macro alr_file_columns() -%}
    file_name,
        {{ alr_file_metadata('file_name') }},
        file_date,
        file_path,
        file_row_number,
        load_id
{%- endmacro %}
