{#- Schemas verbatim (one definition: mssp_common.verbatim_schema_name); dbt reads this macro only from the root project. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(mssp_common.verbatim_schema_name(custom_schema_name)) }}
{%- endmacro %}
