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

{#- The CTE `summary` (claim id, dgns_prcdr_icd_ind, unplaced_count) joined to each
    positions_pivoted CTE of `pivots` ((cte, prefix) pairs): one row per claim. -#}
{% macro positions_joined(pivots) -%}
    select
        summary.cur_clm_uniq_id,
        summary.dgns_prcdr_icd_ind,
        {%- for cte, prefix in pivots %}
        {%- for n in range(1, 26) %}
        {{ cte }}.{{ prefix }}_{{ n }},
        {%- endfor %}
        {%- endfor %}
        summary.unplaced_count
    from summary
    {%- for cte, prefix in pivots %}
    inner join {{ cte }} on {{ cte }}.cur_clm_uniq_id = summary.cur_clm_uniq_id
    {%- endfor %}
{%- endmacro %}
