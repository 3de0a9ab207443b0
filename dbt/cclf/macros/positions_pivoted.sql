{#-
    One column of `source` pivoted to positions 1-25 (`<prefix>_1` .. `<prefix>_25`), one row per
    claim id: the max over the rows at each position that pass `keep`. A model pivots each column
    in its own aggregate and joins them on the claim id: one aggregate of 51 columns keeps ~1 KB of
    state per claim and per thread, and ran out of memory at a 384MB DuckDB limit (50k
    beneficiaries) where aggregates of 25 columns pass.
-#}
{% macro positions_pivoted(source, column, prefix, keep='1 = 1') -%}
    select
        cur_clm_uniq_id,
        {%- for n in range(1, 26) %}
        max(case when position = {{ n }} and {{ keep }} then {{ column }} end) as {{ prefix }}_{{ n }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ source }}
    group by cur_clm_uniq_id
{%- endmacro %}

{#- The `<prefix>_1` .. `<prefix>_25` columns of `relation`, for a select list. -#}
{% macro position_columns(relation, prefix) -%}
    {%- for n in range(1, 26) %}
        {{ relation }}.{{ prefix }}_{{ n }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
