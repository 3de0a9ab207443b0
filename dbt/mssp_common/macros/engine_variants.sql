{#-
    PostgreSQL variants of the dispatched casts in cms_casts.sql (dbt-postgres; dbt-redshift
    falls back to them through its postgres__ dispatch order). PostgreSQL 15 has no try_cast:
    the text is checked by pattern first (nested CASE, since AND does not short-circuit in
    PostgreSQL) and cast only when it parses; anything else is NULL, as with DuckDB's try_cast.
    Tested on PostgreSQL by tests/engines/test_postgres.py.
-#}

{% macro postgres__safe_cast(expr, data_type) -%}
    {%- set t = data_type | lower | replace(' ', '') -%}
    {%- set txt = "trim(cast(" ~ expr ~ " as varchar))" -%}
    {%- if t in ('bigint', 'integer', 'int', 'smallint') -%}
    (case when {{ txt }} ~ '^[+-]?[0-9]{1,{{ 9 if t in ('integer', 'int') else (4 if t == 'smallint' else 18) }}}$'
        then cast({{ txt }} as {{ data_type }}) end)
    {%- elif t.startswith('decimal') or t.startswith('numeric') -%}
    (case when {{ txt }} ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$'
        then cast({{ txt }} as {{ data_type }}) end)
    {%- elif t in ('double', 'float', 'real', 'doubleprecision') -%}
    (case when {{ txt }} ~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$'
        then cast({{ txt }} as double precision) end)
    {%- elif t == 'date' -%}
    (case when {{ txt }} ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' then
        case when cast(substr({{ txt }}, 9, 2) as integer) <= extract(day from
                make_date(cast(substr({{ txt }}, 1, 4) as integer), cast(substr({{ txt }}, 6, 2) as integer), 1)
                + interval '1 month' - interval '1 day')
            then cast({{ txt }} as date) end
    end)
    {%- else -%}
    cast({{ expr }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{% macro postgres__regex_group(expr, pattern) -%}
    nullif(substring(cast({{ expr }} as varchar) from '{{ pattern }}'), '')
{%- endmacro %}

{#- Spark / Databricks (dbt-spark; tests/engines/test_spark.py): text is STRING (VARCHAR needs a
    length there); try_cast and regexp_extract exist, so the default casts and regex serve. -#}
{% macro spark__text_type() -%}
    string
{%- endmacro %}
