{#-
    Schemas are used verbatim: a model configured with `+schema: alr` lands in `alr`,
    not `<target schema>_alr`, so users read `alr.enrollment` and
    `input_layer.provider_attribution` (contract §5).
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {#- no schema configured: the target's schema -#}
        {{ target.schema }}
    {%- else -%}
        {#- a configured schema is the schema -#}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
