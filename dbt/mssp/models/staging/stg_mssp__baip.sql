-- BAIP (advance investment payments), typed: one row per beneficiary per payment quarter per file.
with source as (
    select * from {{ mssp_raw_relation('baip_beneficiary_advanced_investment_payment', [
        'aco_id', 'bene_mbi_id', 'payment_quarter', 'risk_category', 'payment_amt']) }} as raw
)
select
    {{ mssp_common.cms_int("substr(coalesce(" ~ name_quarter('file_name') ~ ", payment_quarter), 1, 4)") }} as performance_year,
    coalesce({{ name_quarter('file_name') }}, payment_quarter) as period,
    file_name,
    file_date,
    aco_id,
    bene_mbi_id,
    payment_quarter,
    risk_category,
    {{ mssp_common.cms_amount('payment_amt') }} as payment_amount,
    payment_amt as payment_amount_text,
    file_path,
    file_row_number,
    load_id
from source
