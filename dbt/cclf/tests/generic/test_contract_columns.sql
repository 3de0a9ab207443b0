{#-
    The relation's leading columns are exactly the Tuva Input Layer contract of
    `relation_name` (tuva_input_layer.md §3): same names, same order, same types; every further
    column is an `x_` extra. One failing row per mismatch.
-#}
{% test contract_columns(model, relation_name) %}
    {%- set expected = input_layer_columns(relation_name) -%}
    {%- set problems = [] -%}
    {%- if execute -%}
        {%- set actual = adapter.get_columns_in_relation(model) -%}
        {%- for name, ctype in expected -%}
            {%- set want_type = input_layer_type(ctype) | string | trim | upper -%}
            {%- if loop.index0 >= actual | length -%}
                {%- do problems.append('missing ' ~ name) -%}
            {%- else -%}
                {%- set col = actual[loop.index0] -%}
                {%- set got_type = col.dtype | string | trim | upper -%}
                {%- if col.name | lower != name or got_type != want_type -%}
                    {%- do problems.append('position ' ~ loop.index ~ ': expected ' ~ name ~ ' ' ~ want_type ~ ', found ' ~ (col.name | lower) ~ ' ' ~ got_type) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for col in actual[expected | length:] -%}
            {%- if not (col.name | lower).startswith('x_') -%}
                {%- do problems.append('extra column without x_ prefix: ' ~ (col.name | lower)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if problems %}
        {%- for problem in problems %}
    select '{{ problem }}' as problem {{ "union all" if not loop.last }}
        {%- endfor %}
    {%- else %}
    select cast(null as {{ mssp_common.text_type() }}) as problem where 1 = 0
    {%- endif %}
{% endtest %}
