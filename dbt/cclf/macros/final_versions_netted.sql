{#-
    The final version of each claim family and its netted amounts (cclf_semantics.md §3.4-3.5),
    for Parts A and B alike: order by effective date, then claim id as a number, then the latest
    copy; every amount becomes the signed sum over the family; a final cancellation drops the
    family. Emits two CTEs, `versioned` and `final_versions`, reading `families`.
-#}
{% macro final_versions_netted(amounts) -%}
versioned as (
    select
        families.*,
        row_number() over (
            partition by family_id
            order by
                clm_efctv_dt desc nulls last,
                {{ claim_id_desc('cur_clm_uniq_id') }},
                {{ latest_copy_order() }}
        ) as version_rank,
        {%- for amount in amounts %}
        sum(version_sign * {{ amount }}) over (partition by family_id) as net_{{ amount }},
        {%- endfor %}
        count(*) over (partition by family_id) as version_count
    from families
),

final_versions as (
    select *
    from versioned
    where version_rank = 1
      and coalesce(clm_adjsmt_type_cd, 0) <> 1
)
{%- endmacro %}
