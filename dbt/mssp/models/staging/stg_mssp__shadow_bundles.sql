-- Shadow bundle CSVs in one relation: one row per claim per bundle file; `bundle_type` is the
-- file prefix (DM, EPI, ...), the month and year come from the name (`DM_A1234_January_2025.csv`).
{%- set bundles = ['dm', 'epi', 'hh', 'hs', 'ip', 'opl', 'pb', 'sn'] %}
with unioned as (
{%- for bundle in bundles %}
    {{ 'union all' if not loop.first }}
    select '{{ bundle | upper }}' as bundle_type, *
    from {{ mssp_raw_relation('shadow_bundles_' ~ bundle, [
        'bene_mbi_id', 'clm_id', 'clm_from_dt', 'clm_thru_dt', 'prvdr_npi', 'clm_pmt_amt']) }} as raw_{{ bundle }}
{%- endfor %}
),

named as (
    select
        *,
        {{ mssp_common.regex_group('file_name', '_([A-Za-z]+)_[0-9]{4}[.][cC][sS][vV]$') }} as month_name,
        {{ mssp_common.cms_int(mssp_common.regex_group('file_name', '_([0-9]{4})[.][cC][sS][vV]$')) }} as name_year
    from unioned
)

select
    name_year as performance_year,
    {{ month_period('month_name', 'name_year') }} as period,
    file_name,
    file_date,
    bundle_type,
    bene_mbi_id,
    clm_id as claim_id,
    {{ report_date('clm_from_dt') }} as claim_from_date,
    {{ report_date('clm_thru_dt') }} as claim_thru_date,
    prvdr_npi as provider_npi,
    {{ mssp_common.cms_amount('clm_pmt_amt') }} as claim_payment_amount,
    clm_from_dt as claim_from_date_text,
    clm_pmt_amt as claim_payment_amount_text,
    file_path,
    file_row_number,
    load_id
from named
