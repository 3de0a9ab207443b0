{#-
    CMS value casts (cclf_semantics §0), dispatched by adapter.
    Input is raw text (trimmed, blank = NULL). Unparseable values become NULL.
-#}

{#- try_cast(expr as type): NULL when the text does not parse. -#}
{% macro safe_cast(expr, data_type) %}
    {{ return(adapter.dispatch('safe_cast', 'mssp_common')(expr, data_type)) }}
{% endmacro %}

{% macro default__safe_cast(expr, data_type) -%}
    try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{% macro bigquery__safe_cast(expr, data_type) -%}
    safe_cast({{ expr }} as {{ data_type }})
{%- endmacro %}

{#- Text type of the adapter. -#}
{% macro text_type() %}
    {{ return(adapter.dispatch('text_type', 'mssp_common')()) }}
{% endmacro %}

{% macro default__text_type() -%}
    varchar
{%- endmacro %}

{% macro bigquery__text_type() -%}
    string
{%- endmacro %}

{#- CMS date 'YYYY-MM-DD'; 1000-01-01 and 9999-12-31 mean missing -> NULL. -#}
{% macro cms_date(expr) -%}
    case
        when cast({{ expr }} as {{ mssp_common.text_type() }}) in ('1000-01-01', '9999-12-31')
            then null
        else {{ mssp_common.safe_cast(mssp_common.safe_cast(expr, mssp_common.text_type()), 'date') }}
    end
{%- endmacro %}

{#- Signed decimal text ('-', '+' or no sign first) -> decimal(38, scale). -#}
{% macro cms_amount(expr, scale=2) %}
    {{ return(adapter.dispatch('cms_amount', 'mssp_common')(expr, scale)) }}
{% endmacro %}

{% macro default__cms_amount(expr, scale) -%}
    {{ mssp_common.safe_cast(expr, 'decimal(38, ' ~ scale ~ ')') }}
{%- endmacro %}

{#- DuckDB parses text into decimal(38) some 30x slower than into decimal(18) (128-bit arithmetic;
    3.4 s against 0.1 s for 2M CCLF5 amounts): parse narrow, and parse wide only the values that
    do not fit in 18 digits. Same result for every input (tests/integration/test_dbt_common.py). -#}
{% macro duckdb__cms_amount(expr, scale) -%}
    coalesce(
        cast(try_cast({{ expr }} as decimal(18, {{ scale }})) as decimal(38, {{ scale }})),
        try_cast({{ expr }} as decimal(38, {{ scale }}))
    )
{%- endmacro %}

{#- Integer-like text ('0000000001' = '01' = 1). -#}
{% macro cms_int(expr) -%}
    {{ mssp_common.safe_cast(expr, 'bigint') }}
{%- endmacro %}

{#- First capture group of a regular expression, NULL when it does not match. -#}
{% macro regex_group(expr, pattern) %}
    {{ return(adapter.dispatch('regex_group', 'mssp_common')(expr, pattern)) }}
{% endmacro %}

{% macro default__regex_group(expr, pattern) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', 1), '')
{%- endmacro %}

{% macro snowflake__regex_group(expr, pattern) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, 1, 'e', 1)
{%- endmacro %}

{% macro bigquery__regex_group(expr, pattern) -%}
    regexp_extract({{ expr }}, r'{{ pattern }}')
{%- endmacro %}

{#- DATE from the member name's `.Dyymmdd.` stamp (20yy). -#}
{% macro file_date_from_name(file_name_expr) -%}
    {%- set yymmdd = mssp_common.regex_group(file_name_expr, '[.]D([0-9]{6})[.]') -%}
    {{ mssp_common.safe_cast(
        "'20' || substr(" ~ yymmdd ~ ", 1, 2) || '-' || substr(" ~ yymmdd ~ ", 3, 2)"
        ~ " || '-' || substr(" ~ yymmdd ~ ", 5, 2)",
        'date'
    ) }}
{%- endmacro %}

{#- The 7 digits of `.Tnnnnnnn` in the member name as an integer. -#}
{% macro file_t_stamp(file_name_expr) -%}
    {{ mssp_common.safe_cast(mssp_common.regex_group(file_name_expr, '[.]T([0-9]{7})'), 'bigint') }}
{%- endmacro %}

{#- True when the relation exists in the warehouse (always true at parse time). -#}
{% macro relation_exists(relation) %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {% set found = adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier
    ) %}
    {{ return(found is not none) }}
{% endmacro %}

{#-
    `select <columns> from relation`, or a typed empty select (all text columns) when the
    relation does not exist, so a family that was never delivered does not fail the build.
    `typed` maps column name -> SQL type for non-text columns of the empty branch.
-#}
{% macro select_or_empty(relation, columns, typed={}) -%}
    {%- if mssp_common.relation_exists(relation) -%}
    select
        {%- for col in columns %}
        {{ col }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- else -%}
    select
        {%- for col in columns %}
        cast(null as {{ typed.get(col, mssp_common.text_type()) }}) as {{ col }}{{ "," if not loop.last }}
        {%- endfor %}
    where 1 = 0
    {%- endif -%}
{%- endmacro %}
