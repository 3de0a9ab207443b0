{#-
    `with name as {{ mssp_common.not_materialized() }} (...)`: inline a CTE that is read more
    than once instead of materializing it first. DuckDB materializes such CTEs by default, and
    its materialized CTE could not spill at 512MB where the inlined plan passed (dbt/cclf
    int_parta_lines_allocated at 50,000 beneficiaries, 1 thread). Other engines: nothing
    (PostgreSQL 12+ would accept the hint, Redshift reaches postgres__ variants and would not).
-#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'mssp_common')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}

{% macro duckdb__not_materialized() -%}not materialized{%- endmacro %}
