-- "Are we on track for shared savings?": one row per ACO x performance year, the Shared Savings
-- Program arithmetic (42 CFR 425.604/425.605/425.610) on CMS's reported figures, for the track
-- in var mssp_track (setting MSSP_TRACK). An estimate: `assumptions` lists what it assumes.
{%- set track = var('mssp_track') %}
{%- set msr_mlr = var('mssp_msr_mlr') %}
{%- set quality = var('mssp_quality_factor') %}
with inputs as (
    select * from {{ ref('int_mssp__savings_inputs') }}
),

params as (
    select * from {{ ref('mssp_track_parameters') }}
    where track_level = '{{ track }}'
),

msr_table as (
    select * from {{ ref('mssp_minimum_savings_rates') }}
),

base as (
    select
        i.*,
        '{{ track }}' as track_level,
        p.risk_model,
        i.benchmark_per_capita * i.person_years as total_benchmark,
        i.expenditure_per_capita * i.person_years as total_expenditure,
        {%- if msr_mlr is none %}
        m.minimum_savings_rate as minimum_savings_rate,
        {%- else %}
        case when p.risk_model = 'two_sided' then {{ msr_mlr }} else m.minimum_savings_rate end as minimum_savings_rate,
        {%- endif %}
        cast({{ quality }} as decimal(9, 4)) as quality_factor,
        p.max_sharing_rate,
        p.performance_payment_limit,
        p.loss_sharing_rate as fixed_loss_sharing_rate,
        p.loss_sharing_rate_min,
        p.loss_sharing_rate_max,
        p.loss_limit_benchmark_share,
        p.source as parameter_source,
        p.assumptions as track_assumptions,
        m.assumptions as msr_assumptions
    from inputs as i
    left join params as p on true
    left join msr_table as m
        on i.assigned_beneficiaries between m.min_beneficiaries and m.max_beneficiaries
),

rates as (
    select
        *,
        total_benchmark - total_expenditure as gross_savings,
        (total_benchmark - total_expenditure) / nullif(total_benchmark, 0) as savings_rate,
        case when risk_model = 'two_sided' then minimum_savings_rate end as minimum_loss_rate,
        max_sharing_rate * quality_factor as final_sharing_rate,
        case when risk_model = 'two_sided' then coalesce(
            fixed_loss_sharing_rate,
            greatest(loss_sharing_rate_min, least(loss_sharing_rate_max, 1 - max_sharing_rate * quality_factor)))
        end as loss_sharing_rate,
        performance_payment_limit * total_benchmark as savings_cap,
        loss_limit_benchmark_share * total_benchmark as loss_cap
    from base
),

met as (
    select
        *,
        savings_rate >= minimum_savings_rate as is_savings_threshold_met,
        coalesce(-savings_rate >= minimum_loss_rate, false) as is_loss_threshold_met
    from rates
)

select
    performance_year,
    period,
    file_name,
    file_date,
    aco_id,
    track_level,
    risk_model,
    assigned_beneficiaries,
    person_years,
    benchmark_per_capita,
    expenditure_per_capita,
    total_benchmark,
    total_expenditure,
    gross_savings,
    savings_rate,
    minimum_savings_rate,
    minimum_loss_rate,
    is_savings_threshold_met,
    is_loss_threshold_met,
    quality_factor,
    final_sharing_rate,
    loss_sharing_rate,
    savings_cap,
    loss_cap,
    {{ round_number("case when is_savings_threshold_met
        then least(gross_savings * final_sharing_rate, savings_cap) else 0 end", 2) }} as estimated_shared_savings,
    {{ round_number("case when is_loss_threshold_met
        then least(-gross_savings * loss_sharing_rate, loss_cap) else 0 end", 2) }} as estimated_shared_losses,
    {{ round_number("case when is_savings_threshold_met then least(gross_savings * final_sharing_rate, savings_cap)
         when is_loss_threshold_met then -least(-gross_savings * loss_sharing_rate, loss_cap)
         else 0 end", 2) }} as estimated_net_payment,
    parameter_source,
    {% call concat_skip_nulls("'; '") %}
        'track ' || track_level || ' from var mssp_track (setting MSSP_TRACK)',
        {%- if quality == 1.0 %}
        'quality: the ACO is assumed to meet the quality performance standard (factor 1.0); no final quality score is delivered in any processed file',
        {%- else %}
        'quality factor ' || cast(quality_factor as {{ mssp_common.text_type() }}) || ' from var mssp_quality_factor',
        {%- endif %}
        'benchmark per capita from the latest BNMRK, expenditure from ' || period
            || case when period like '%Q%' then ' (a quarterly report: not final for the year)' else '' end,
        case when assigned_from_person_years then 'assigned beneficiaries approximated by person years' end,
        {%- if msr_mlr is not none %}
        case when risk_model = 'two_sided' then 'MSR/MLR elected {{ msr_mlr }} (var mssp_msr_mlr)' else msr_assumptions end,
        {%- else %}
        msr_assumptions,
        {%- endif %}
        track_assumptions,
        'no prior savings adjustment, regional/risk adjustments as CMS reported them, no sequestration'
    {% endcall %} as assumptions
from met
