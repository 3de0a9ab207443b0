{#-
    A raw report table (source `mssp_raw`) with exactly `columns` plus the loader's metadata
    columns: mssp_common.raw_relation (the one definition, shared with dbt/alr).
-#}
{% macro mssp_raw_relation(table_name, columns) -%}
    {{ return(mssp_common.raw_relation('mssp_raw', table_name, columns)) }}
{%- endmacro %}

{#- 'YYYYQn' from a name holding `.YYYYQn.` (BEUR/BAIP/NCBP, QEXPU, MCQM zips). -#}
{% macro name_quarter(file_name) -%}
    {{ mssp_common.regex_group(file_name, '([0-9]{4}Q[1-4])') }}
{%- endmacro %}

{#- A report date: ISO, MM/DD/YYYY or YYYYMMDD (text in, NULL when it does not parse);
    other engines' variants in engine_variants.sql. -#}
{% macro report_date(expr) -%}
    {{ return(adapter.dispatch('report_date', 'mssp')(expr)) }}
{%- endmacro %}

{% macro default__report_date(expr) -%}
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
