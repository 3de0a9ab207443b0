{%- set columns = [
    'hicn_mbi_xref_ind', 'crnt_num', 'prvs_num', 'prvs_id_efctv_dt', 'prvs_id_obslt_dt',
    'bene_rrb_num'
] -%}

-- every CCLF9 row is evidence for the crosswalk (§2): no identity dedupe here
with

src as (
    {{ cclf_source_rows('beneficiary_xref', columns) }}
),

renamed as (
    select
        src.hicn_mbi_xref_ind,
        src.crnt_num,
        src.prvs_num,
        src.prvs_id_efctv_dt,
        src.prvs_id_obslt_dt,
        src.bene_rrb_num,
        {{ cclf_file_columns() }}
    from src
)

select * from renamed where {{ cclf_weekly_filter() }}
