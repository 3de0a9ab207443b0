{#-
    A raw report table as a parenthesised subquery with exactly `columns` (text) plus the
    loader's metadata columns (contract §4), like dbt/alr's alr_raw_relation:
    - the raw table does not exist (family never delivered): zero rows of the same shape;
    - a listed column is missing (layout drift, or a name we guessed): NULL;
    - columns not listed are not carried (staging names what it types).
-#}
{% macro mssp_raw_relation(table_name, columns) -%}
    {%- set src = source('mssp_raw', table_name) -%}
    {%- set relation = none -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=src.database, schema=src.schema, identifier=src.identifier) -%}
    {%- endif -%}
    {%- set text = mssp_common.text_type() -%}
    {%- set meta = [
        ('file_path', text), ('file_name', text), ('directory_name', text),
        ('file_date', 'date'), ('file_row_number', 'bigint'), ('load_id', text)
    ] -%}
    {%- set present = [] -%}
    {%- if relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif %}
    (
        select
            {%- for column in columns %}
            {% if column in present -%}
            cast({{ column }} as {{ text }}) as {{ column }}
            {%- else -%}
            cast(null as {{ text }}) as {{ column }}
            {%- endif %},
            {%- endfor %}
            {%- for name, type in meta %}
            {% if relation is none %}cast(null as {{ type }}){% else %}cast({{ name }} as {{ type }}){% endif %} as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        {% if relation is none -%}
        where 1 = 0  -- {{ src }} does not exist: no rows
        {%- else -%}
        from {{ relation }}
        {%- endif %}
    )
{%- endmacro %}

{#- 'YYYYQn' from a name holding `.YYYYQn.` (BEUR/BAIP/NCBP, QEXPU, MCQM zips). -#}
{% macro name_quarter(file_name) -%}
    {{ mssp_common.regex_group(file_name, '([0-9]{4}Q[1-4])') }}
{%- endmacro %}

{#- A report date: ISO, MM/DD/YYYY or YYYYMMDD (text in, NULL when it does not parse; DuckDB). -#}
{% macro report_date(expr) -%}
    coalesce(
        {{ mssp_common.safe_cast(expr, 'date') }},
        cast(try_strptime({{ expr }}, '%m/%d/%Y') as date),
        cast(try_strptime({{ expr }}, '%Y%m%d') as date)
    )
{%- endmacro %}

{#- The columns every mart carries first (issue 16 §1). -#}
{% macro report_keys() -%}
    performance_year, period, file_name, file_date
{%- endmacro %}
