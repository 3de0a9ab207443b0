{#-
    MBI crosswalk (cclf_semantics §2).

    {{ mssp_common.mbi_crosswalk(xref_relation) }} expands to a SELECT returning exactly
    one row per `prvs_num` with columns (prvs_num, crnt_num), where no crnt_num is itself
    a prvs_num. `xref_relation` is any relation (or parenthesised subquery) carrying the raw
    `beneficiary_xref` columns (crnt_num, prvs_num, prvs_id_efctv_dt, ...) and the loader
    metadata file_name, file_date, file_row_number. Values may be raw text.

    1. rows with NULL crnt_num / prvs_num and self-maps are ignored;
    2. one edge per prvs_num: latest file (file_date, T stamp, file_name), then latest
       prvs_id_efctv_dt, then lowest crnt_num;
    3. chains are followed to the end (any length);
    4. cycles: the oldest edge of each cycle (file order of its row, then
       prvs_id_efctv_dt) is dropped. Every node has at most one outgoing edge, so each
       connected component holds at most one cycle and one drop per cycle suffices.
-#}
{% macro mbi_crosswalk(xref_relation) %}
    {{ return(adapter.dispatch('mbi_crosswalk', 'mssp_common')(xref_relation)) }}
{% endmacro %}

{% macro default__mbi_crosswalk(xref_relation) -%}
{%- set text = mssp_common.text_type() -%}
with recursive

xref_rows as (
    select
        cast(prvs_num as {{ text }}) as prvs_num,
        cast(crnt_num as {{ text }}) as crnt_num,
        {{ mssp_common.cms_date('prvs_id_efctv_dt') }} as prvs_id_efctv_date,
        coalesce(
            {{ mssp_common.safe_cast('file_date', 'date') }},
            {{ mssp_common.file_date_from_name('file_name') }}
        ) as file_date,
        {{ mssp_common.file_t_stamp('file_name') }} as file_t_stamp,
        cast(file_name as {{ text }}) as file_name,
        {{ mssp_common.safe_cast('file_row_number', 'bigint') }} as file_row_number
    from {{ xref_relation }}
    where prvs_num is not null
      and crnt_num is not null
      and cast(prvs_num as {{ text }}) <> cast(crnt_num as {{ text }})
),

edges_ranked as (
    select
        xref_rows.*,
        row_number() over (
            partition by prvs_num
            order by
                file_date desc nulls last,
                file_t_stamp desc nulls last,
                file_name desc nulls last,
                prvs_id_efctv_date desc nulls last,
                crnt_num asc
        ) as edge_rank
    from xref_rows
),

edges as (
    select
        prvs_num,
        crnt_num,
        -- age of the edge: 1 = oldest (used to break cycles)
        row_number() over (
            order by
                file_date asc nulls first,
                file_t_stamp asc nulls first,
                file_name asc nulls first,
                file_row_number asc nulls first,
                prvs_id_efctv_date asc nulls first,
                prvs_num asc
        ) as edge_age,
        count(*) over () as edge_count
    from edges_ranked
    where edge_rank = 1
),

-- walk from every previous id; a walk that returns to its start is on a cycle
cycle_walk (start_num, cur_num, depth) as (
    select prvs_num, crnt_num, 1
    from edges
    union all
    select cycle_walk.start_num, edges.crnt_num, cycle_walk.depth + 1
    from cycle_walk
    inner join edges
        on edges.prvs_num = cycle_walk.cur_num
    where cycle_walk.cur_num <> cycle_walk.start_num
      and cycle_walk.depth <= edges.edge_count
),

cycle_nodes as (
    -- the nodes visited from a start on a cycle are exactly that cycle
    select
        cycle_walk.start_num as node_num,
        min(cycle_walk.cur_num) as cycle_id
    from cycle_walk
    where cycle_walk.start_num in (
        select start_num from cycle_walk where cur_num = start_num
    )
    group by cycle_walk.start_num
),

dropped_edges as (
    select prvs_num
    from (
        select
            edges.prvs_num,
            row_number() over (
                partition by cycle_nodes.cycle_id
                order by edges.edge_age asc
            ) as age_rank
        from edges
        inner join cycle_nodes
            on cycle_nodes.node_num = edges.prvs_num
    ) as cycle_edges
    where age_rank = 1
),

kept_edges as (
    select edges.prvs_num, edges.crnt_num, edges.edge_count
    from edges
    where edges.prvs_num not in (select prvs_num from dropped_edges)
),

chain_walk (start_num, cur_num, depth) as (
    select prvs_num, crnt_num, 1
    from kept_edges
    union all
    select chain_walk.start_num, kept_edges.crnt_num, chain_walk.depth + 1
    from chain_walk
    inner join kept_edges
        on kept_edges.prvs_num = chain_walk.cur_num
    where chain_walk.depth <= kept_edges.edge_count
),

chain_ends as (
    select
        start_num,
        cur_num,
        row_number() over (partition by start_num order by depth desc) as end_rank
    from chain_walk
)

select
    start_num as prvs_num,
    cur_num as crnt_num
from chain_ends
where end_rank = 1
{%- endmacro %}
