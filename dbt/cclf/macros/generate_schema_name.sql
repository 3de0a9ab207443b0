{#-
    Custom schemas are used verbatim (`input_layer`, `_stg_cclf`, `_int_cclf`), not prefixed
    with the target schema, so the final relations land in `input_layer` exactly.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {#- no +schema configured: the target's schema -#}
        {{ target.schema }}
    {%- else -%}
        {#- configured schema: verbatim -#}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
