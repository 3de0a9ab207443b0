{#-
    Schemas are used verbatim: a model configured with `+schema: alr` lands in `alr`, not
    `<target schema>_alr`, so users read `alr.enrollment`, `input_layer.medical_claim`,
    `mssp.savings_estimate` (contract §5); no configured schema means the target's schema.
    dbt ignores a `generate_schema_name` defined in a package, so each project keeps a one-line
    `generate_schema_name` that returns this macro.
-#}
{% macro verbatim_schema_name(custom_schema_name) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
