-- NCBP (non-claims-based payments), typed: one row per beneficiary per payment per file.
with source as (
    select * from {{ mssp_raw_relation('ncbp_non_claims_based_payments', [
        'aco_id', 'bene_mbi_id', 'payment_type', 'payment_month', 'payment_amt']) }} as raw
)
select
    {{ mssp_common.cms_int("substr(coalesce(" ~ name_quarter('file_name') ~ ", payment_month), 1, 4)") }} as performance_year,
    {{ name_quarter('file_name') }} as period,
    file_name,
    file_date,
    aco_id,
    bene_mbi_id,
    payment_type,
    payment_month,
    {{ mssp_common.cms_amount('payment_amt') }} as payment_amount,
    payment_amt as payment_amount_text,
    file_path,
    file_row_number,
    load_id
from source
