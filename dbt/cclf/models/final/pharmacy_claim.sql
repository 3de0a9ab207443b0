{#-
    input_layer.pharmacy_claim (Tuva Input Layer v0.17.2, 25 columns + x_ extras).
    Grain: one record per final Part D claim (claim_line_number 1).
-#}
{%- set rx = {
    'claim_id': 'd.cur_clm_uniq_id',
    'claim_line_number': '1',
    'person_id': 'd.current_mbi',
    'member_id': 'd.current_mbi',
    'payer': "'medicare'",
    'plan': "'medicare'",
    'prescribing_provider_npi': "case when d.prvdr_prsbng_id_qlfyr_cd in ('1', '01') then "
        ~ clean_npi('d.clm_prsbng_prvdr_gnrc_id_num') ~ " end",
    'dispensing_provider_npi': "case when d.prvdr_srvc_id_qlfyr_cd in ('1', '01') then "
        ~ clean_npi('d.clm_srvc_prvdr_gnrc_id_num') ~ " end",
    'dispensing_date': 'd.clm_line_from_dt',
    'ndc_code': 'd.clm_line_ndc_cd',
    'quantity': 'round(d.clm_line_srvc_unit_qty, 0)',
    'days_supply': 'd.clm_line_days_suply_qty',
    'paid_date': 'coalesce(d.clm_efctv_dt, d.clm_line_from_dt)',
    'copayment_amount': 'd.clm_line_bene_pmt_amt',
    'in_network_flag': 'true',
    'data_source': "'medicare cclf'",
    'file_name': 'd.file_name',
    'file_date': 'd.file_date',
    'ingest_datetime': 'cast(d.file_date as timestamp)',
    'x_fill_number': 'd.clm_line_rx_fill_num',
    'x_quantity': 'd.clm_line_srvc_unit_qty',
    'x_daw_product_selection_code': 'd.clm_daw_prod_slctn_cd',
    'x_dispensing_status_code': 'd.clm_dspnsng_stus_cd',
    'x_pharmacy_service_type_code': 'd.clm_phrmcy_srvc_type_cd',
    'x_delivery_kind': 'd.delivery_kind',
    'x_source_mbi': 'd.bene_mbi_id',
} -%}

with

pharmacy_claim as (
    select
        {{ input_layer_select('pharmacy_claim', rx) }}
    from {{ ref('int_partd_claims_latest_version_selected') }} as d
)

select * from pharmacy_claim
