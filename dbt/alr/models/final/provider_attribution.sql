-- input_layer.provider_attribution (alr_semantics §8; tuva_input_layer §3.4): one row
-- per enrolled person and month. person = the ALR MBI through the CCLF9 crosswalk; if
-- two ALR MBIs of one person are enrolled in a month, the one equal to the current MBI
-- wins, else the lowest ALR MBI. Provider = the governing delivery's top TIN / NPI.
{%- set text = mssp_common.text_type() %}

with

member_months as (

    select * from {{ ref('int_alr_member_months_selected') }}

),

mapped as (

    select
        member_months.*,
        coalesce(crosswalk.crnt_num, member_months.bene_mbi_id) as current_mbi
    from member_months
    left join {{ ref('int_alr_mbi_crosswalk') }} as crosswalk
        on crosswalk.prvs_num = member_months.bene_mbi_id

),

ranked as (

    select
        mapped.*,
        row_number() over (
            partition by current_mbi, enroll_month
            order by
                case when bene_mbi_id = current_mbi then 0 else 1 end asc,
                bene_mbi_id asc
        ) as person_month_rank
    from mapped

),

final as (

    select
        cast(current_mbi as {{ text }}) as person_id,
        cast(current_mbi as {{ text }}) as patient_id,
        cast(current_mbi as {{ text }}) as member_id,
        cast(year_month as {{ text }}) as year_month,
        cast('medicare' as {{ text }}) as payer,
        cast('medicare' as {{ text }}) as plan,
        cast('medicare cclf' as {{ text }}) as data_source,
        cast(top_npi as {{ text }}) as payer_attributed_provider,
        cast(top_tin as {{ text }}) as payer_attributed_provider_practice,
        cast(null as {{ text }}) as payer_attributed_provider_organization,
        cast(null as {{ text }}) as payer_attributed_provider_lob,
        cast(null as {{ text }}) as custom_attributed_provider,
        cast(null as {{ text }}) as custom_attributed_provider_practice,
        cast(null as {{ text }}) as custom_attributed_provider_organization,
        cast(null as {{ text }}) as custom_attributed_provider_lob,
        cast(file_name as {{ text }}) as file_name,
        cast(coalesce(file_date, period_end_date) as {{ dbt.type_timestamp() }}) as ingest_datetime,
        cast(aco_id as {{ text }}) as x_aco_id
    from ranked
    where person_month_rank = 1

)

select * from final
