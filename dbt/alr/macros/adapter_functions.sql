{#- Adapter-specific expressions used by dbt/alr, dispatched (DuckDB is the default). -#}

{#- Capture group `group` of a regular expression; NULL when it does not match. -#}
{% macro alr_regex_group(expr, pattern, group) %}
    {{ return(adapter.dispatch('alr_regex_group', 'alr')(expr, pattern, group)) }}
{% endmacro %}

{% macro default__alr_regex_group(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{% macro snowflake__alr_regex_group(expr, pattern, group) -%}
    regexp_substr({{ expr }}, '{{ pattern }}', 1, 1, 'e', {{ group }})
{%- endmacro %}

{#- ALR dates: MM/DD/YYYY (1-2 digit month and day) -> DATE; any other shape -> NULL. -#}
{% macro alr_date(expr) %}
    {{ return(adapter.dispatch('alr_date', 'alr')(expr)) }}
{% endmacro %}

{% macro default__alr_date(expr) -%}
    case
        when regexp_full_match({{ expr }}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}')
            then cast(try_strptime({{ expr }}, '%m/%d/%Y') as date)
    end
{%- endmacro %}

{% macro snowflake__alr_date(expr) -%}
    case
        when regexp_like({{ expr }}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}')
            then try_to_date({{ expr }}, 'MM/DD/YYYY')
    end
{%- endmacro %}

{#- Month index (year * 12 + month) of a date, for gaps-and-islands. -#}
{% macro alr_month_index(date_expr) -%}
    (extract(year from {{ date_expr }}) * 12 + extract(month from {{ date_expr }}))
{%- endmacro %}
