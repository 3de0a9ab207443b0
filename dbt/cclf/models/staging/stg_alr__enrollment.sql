{%- set columns = [
    'current_bene_mbi_id', 'enrollment_start_date', 'enrollment_end_date', 'bene_member_month'
] -%}

with

src as (
    {{ mssp_common.select_or_empty(
        source('alr', 'enrollment'),
        columns,
        {'enrollment_start_date': 'date', 'enrollment_end_date': 'date', 'bene_member_month': 'date'}
    ) }}
),

renamed as (
    select
        cast(src.current_bene_mbi_id as {{ mssp_common.text_type() }}) as bene_mbi_id,
        cast(src.enrollment_start_date as date) as enrollment_start_date,
        cast(src.enrollment_end_date as date) as enrollment_end_date,
        cast(src.bene_member_month as date) as bene_member_month
    from src
)

select * from renamed
