{#- PostgreSQL variants of adapter_functions.sql (tests/engines/test_postgres.py). -#}

{% macro postgres__alr_regex_group(expr, pattern, group) -%}
    nullif((regexp_match({{ expr }}, '{{ pattern }}'))[{{ group }}], '')
{%- endmacro %}

{#- MM/DD/YYYY -> ISO text, then the same checked cast as CMS dates (mssp_common.safe_cast). -#}
{% macro postgres__alr_date(expr) -%}
    case
        when {{ expr }} ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'
            then {{ mssp_common.safe_cast(
                "split_part(" ~ expr ~ ", '/', 3) || '-' || lpad(split_part(" ~ expr ~ ", '/', 1), 2, '0')"
                ~ " || '-' || lpad(split_part(" ~ expr ~ ", '/', 2), 2, '0')", 'date') }}
    end
{%- endmacro %}

{#- Spark / Databricks: no regexp_full_match / try_strptime; rlike + try_to_date (ANSI-safe). -#}
{% macro spark__alr_date(expr) -%}
    case
        when {{ expr }} rlike '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'
            then try_to_date({{ expr }}, 'M/d/yyyy')
    end
{%- endmacro %}
