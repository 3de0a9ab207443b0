{#- The loader's metadata columns of every raw table (contract §4), (name, type) pairs. -#}
{% macro loader_metadata_columns() %}
    {%- set text = mssp_common.text_type() -%}
    {{ return([
        ('file_path', text), ('file_name', text), ('directory_name', text),
        ('file_date', 'date'), ('file_row_number', 'bigint'), ('load_id', text)
    ]) }}
{% endmacro %}

{#-
    A raw table as a parenthesised subquery with exactly `columns` (text) plus the loader's
    metadata columns (contract §4); the one raw reader of dbt/alr, dbt/cclf and dbt/mssp staging.

    - The raw table does not exist (family never delivered, e.g. no 1-5 files or no CCLF9 for
      an ALR-only ACO): zero rows of the same shape, so the build goes on.
    - A listed column is missing from the table (layout drift between years, or a name we
      guessed): NULL.
    - Columns not listed are not carried (staging names what it types).

    `source_name` / `table_name` name a source in _sources.yml; `metadata=false` for tables
    without the loader's metadata (the ledger).
-#}
{% macro raw_relation(source_name, table_name, columns, metadata=true) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set relation = none -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(
            database=src.database, schema=src.schema, identifier=src.identifier) -%}
    {%- endif -%}
    {%- set text = mssp_common.text_type() -%}
    {%- set meta = mssp_common.loader_metadata_columns() if metadata else [] -%}
    {%- if relation is none %}
    (
        -- {{ src }} does not exist: no rows
        select
            {%- for column in columns %}
            cast(null as {{ text }}) as {{ column }}{{ ',' if not loop.last or meta }}
            {%- endfor %}
            {%- for name, type in meta %}
            cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        where 1 = 0
    )
    {%- else -%}
    {%- set present = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do present.append(column.name | lower) -%}
    {%- endfor %}
    (
        select
            {%- for column in columns %}
            {% if column in present -%}
            cast({{ column }} as {{ text }}) as {{ column }}
            {%- else -%}
            cast(null as {{ text }}) /* not in {{ src.identifier }} */ as {{ column }}
            {%- endif %}{{ ',' if not loop.last or meta }}
            {%- endfor %}
            {%- for name, type in meta %}
            cast({{ name }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    )
    {%- endif -%}
{%- endmacro %}
