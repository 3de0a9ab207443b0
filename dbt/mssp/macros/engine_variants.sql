{#-
    Engine variants of this project's DuckDB-only expressions (adapter.dispatch, namespace mssp).
    PostgreSQL (dbt-postgres; dbt-redshift falls back to postgres__): built and compared with
    DuckDB by tests/engines/test_postgres.py.
-#}

{#- 'YYYY-MM' from a month name and a year ('January', 2025 -> '2025-01'); NULL otherwise. -#}
{% macro month_period(month_name, year) -%}
    {{ return(adapter.dispatch('month_period', 'mssp')(month_name, year)) }}
{%- endmacro %}

{% macro default__month_period(month_name, year) -%}
    cast(strftime(cast(try_strptime({{ month_name }} || ' ' || {{ year }}, '%B %Y') as date), '%Y-%m')
        as {{ mssp_common.text_type() }})
{%- endmacro %}

{% macro postgres__month_period(month_name, year) -%}
    {{ return(mssp.month_period_by_case(month_name, year)) }}
{%- endmacro %}

{#- The portable form, for engines without a lenient month-name parse (PostgreSQL, Snowflake). -#}
{% macro month_period_by_case(month_name, year) -%}
    {%- set months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
                      'september', 'october', 'november', 'december'] -%}
    cast(case lower({{ month_name }})
        {%- for m in months %}
        when '{{ m }}' then cast({{ year }} as varchar) || '-{{ '%02d' % loop.index }}'
        {%- endfor %}
    end as {{ mssp_common.text_type() }})
{%- endmacro %}

{#- ISO, MM/DD/YYYY or YYYYMMDD -> ISO text, each through the checked cast of mssp_common. -#}
{% macro postgres__report_date(expr) -%}
    {%- set txt = "trim(cast(" ~ expr ~ " as varchar))" -%}
    coalesce(
        {{ mssp_common.safe_cast(expr, 'date') }},
        case when {{ txt }} ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' then {{ mssp_common.safe_cast(
            "split_part(" ~ txt ~ ", '/', 3) || '-' || lpad(split_part(" ~ txt ~ ", '/', 1), 2, '0')"
            ~ " || '-' || lpad(split_part(" ~ txt ~ ", '/', 2), 2, '0')", 'date') }} end,
        case when {{ txt }} ~ '^[0-9]{8}$' then {{ mssp_common.safe_cast(
            "substr(" ~ txt ~ ", 1, 4) || '-' || substr(" ~ txt ~ ", 5, 2) || '-' || substr(" ~ txt ~ ", 7, 2)",
            'date') }} end
    )
{%- endmacro %}

{#- round(x, n) of a double. PostgreSQL's round(x, n) takes numerics only, and a double cast to
    numeric keeps 15 digits (477.1449999999995 -> 477.145 -> 477.15, DuckDB says 477.14): so round
    the double itself, scaled. -#}
{% macro round_number(expr, digits) -%}
    {{ return(adapter.dispatch('round_number', 'mssp')(expr, digits)) }}
{%- endmacro %}

{% macro default__round_number(expr, digits) -%}
    round({{ expr }}, {{ digits }})
{%- endmacro %}

{% macro postgres__round_number(expr, digits) -%}
    (round(cast({{ expr }} as double precision) * {{ 10 ** digits }}) / {{ 10 ** digits }})
{%- endmacro %}

{#- concat_ws that skips NULL parts on every engine, used as
    {% call concat_skip_nulls("'; '") %} part, part, ... {% endcall %}: Snowflake's concat_ws is
    NULL as soon as one part is NULL (DuckDB, PostgreSQL and Spark skip NULL parts). -#}
{% macro concat_skip_nulls(separator) -%}
    {{ return(adapter.dispatch('concat_skip_nulls', 'mssp')(separator, caller())) }}
{%- endmacro %}

{% macro default__concat_skip_nulls(separator, parts) -%}
    concat_ws({{ separator }}, {{ parts }})
{%- endmacro %}

{% macro snowflake__concat_skip_nulls(separator, parts) -%}
    array_to_string(array_compact(array_construct({{ parts }})), {{ separator }})
{%- endmacro %}

{#- Spark/Databricks variants (tests/engines/test_spark.py): no try_strptime/strftime there. -#}
{% macro spark__report_date(expr) -%}
    coalesce(
        {{ mssp_common.safe_cast(expr, 'date') }},
        case when {{ expr }} rlike '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$' then try_to_date({{ expr }}, 'M/d/yyyy') end,
        case when {{ expr }} rlike '^[0-9]{8}$' then try_to_date({{ expr }}, 'yyyyMMdd') end
    )
{%- endmacro %}

{% macro spark__month_period(month_name, year) -%}
    date_format(try_to_date(concat({{ month_name }}, ' ', {{ year }}), 'MMMM yyyy'), 'yyyy-MM')
{%- endmacro %}

{#- Snowflake variants: no try_strptime/strftime there; explicit formats (a bare try_to_date of a
    digit string reads it as epoch seconds). The month name goes through month_period_by_case. -#}
{% macro snowflake__report_date(expr) -%}
    {%- set txt = "trim(cast(" ~ expr ~ " as varchar))" -%}
    coalesce(
        try_to_date({{ txt }}, 'YYYY-MM-DD'),
        case when regexp_like({{ txt }}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}') then try_to_date({{ txt }}, 'MM/DD/YYYY') end,
        case when regexp_like({{ txt }}, '[0-9]{8}') then try_to_date({{ txt }}, 'YYYYMMDD') end
    )
{%- endmacro %}

{% macro snowflake__month_period(month_name, year) -%}
    {{ return(mssp.month_period_by_case(month_name, year)) }}
{%- endmacro %}
