{#-
    Seeds on Spark/Databricks: the projects' seed `column_types` say `varchar` (DuckDB, PostgreSQL,
    Snowflake), which Spark rejects without a length ([DATATYPE_MISSING_SIZE]). These overrides of
    dbt's own `create_csv_table` rewrite the types to `string`, then call the adapter's macro; the
    seed's load step reads the same, now rewritten, config. dbt looks for overrides of its own
    macros in the root project only, unless the root project's `dispatch:` names a package for the
    `dbt` namespace: dbt/alr and dbt/mssp (the projects with seeds) list mssp_common there.
-#}
{% macro spark_seed_text_types(model) %}
    {%- set types = model['config'].get('column_types', {}) -%}
    {%- set rewritten = {} -%}
    {%- for name, type in types.items() -%}
        {%- do rewritten.update({name: 'string' if (type | lower | trim) == 'varchar' else type}) -%}
    {%- endfor -%}
    {%- do model['config'].update({'column_types': rewritten}) -%}
{% endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {%- do mssp_common.spark_seed_text_types(model) -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{% endmacro %}

{% macro databricks__create_csv_table(model, agate_table) %}
    {%- do mssp_common.spark_seed_text_types(model) -%}
    {{ return(dbt.databricks__create_csv_table(model, agate_table)) }}
{% endmacro %}
