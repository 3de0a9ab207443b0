{#-
    Seeds on Spark/Databricks: the projects' seed `column_types` say `varchar` (DuckDB, PostgreSQL,
    Snowflake), which Spark rejects without a length ([DATATYPE_MISSING_SIZE]). dbt looks for a
    `create_csv_table` override in the root project only (not in packages), so dbt/alr and
    dbt/mssp each keep `spark__`/`databricks__create_csv_table` overrides that call this, then the
    adapter's own macro. The seed's load step reads the same, now rewritten, config.
-#}
{% macro spark_seed_text_types(model) %}
    {%- set types = model['config'].get('column_types', {}) -%}
    {%- set rewritten = {} -%}
    {%- for name, type in types.items() -%}
        {%- do rewritten.update({name: 'string' if (type | lower | trim) == 'varchar' else type}) -%}
    {%- endfor -%}
    {%- do model['config'].update({'column_types': rewritten}) -%}
{% endmacro %}
