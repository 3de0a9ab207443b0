{#-
    input_layer.medical_claim (Tuva Input Layer v0.17.2, 148 columns + x_ extras).
    Grain: one record per claim_id and claim_line_number (data_source 'medicare cclf').
    Institutional rows from CCLF1-4, professional rows from CCLF5 (physician) and CCLF6 (DME).
-#}
{%- set dx_cols = [] -%}{%- set px_cols = [] -%}
{%- for n in range(1, 26) %}{% do dx_cols.append('diagnosis_code_' ~ n) %}{% do px_cols.append('procedure_code_' ~ n) %}{% endfor -%}

{#- institutional (CCLF1 + CCLF2/3/4) -#}
{%- set inst = {
    'claim_id': 'a.cur_clm_uniq_id',
    'claim_line_number': 'a.claim_line_number',
    'claim_type': "'institutional'",
    'person_id': 'a.current_mbi',
    'member_id': 'a.current_mbi',
    'payer': "'medicare'",
    'plan': "'medicare'",
    'claim_start_date': 'a.clm_from_dt',
    'claim_end_date': 'a.clm_thru_dt',
    'claim_line_start_date': 'a.claim_line_start_date',
    'claim_line_end_date': 'a.claim_line_end_date',
    'admission_date': 'case when a.clm_admsn_type_cd is not null then a.clm_from_dt end',
    'discharge_date': 'case when a.clm_admsn_type_cd is not null then a.clm_thru_dt end',
    'admit_source_code': 'a.clm_admsn_src_cd',
    'admit_type_code': 'a.clm_admsn_type_cd',
    'discharge_disposition_code': "case when a.bene_ptnt_stus_cd is not null then lpad(a.bene_ptnt_stus_cd, 2, '0') end",
    'bill_type_code': 'a.clm_bill_fac_type_cd || a.clm_bill_clsfctn_cd || a.clm_bill_freq_cd',
    'drg_code_type': "case when a.dgns_drg_cd is not null then 'ms-drg' end",
    'drg_code': 'right(a.dgns_drg_cd, 3)',
    'revenue_center_code': 'a.clm_line_prod_rev_ctr_cd',
    'service_unit_quantity': 'a.clm_line_srvc_unit_qty',
    'hcpcs_code': 'a.clm_line_hcpcs_cd',
    'hcpcs_modifier_1': 'a.hcpcs_1_mdfr_cd',
    'hcpcs_modifier_2': 'a.hcpcs_2_mdfr_cd',
    'hcpcs_modifier_3': 'a.hcpcs_3_mdfr_cd',
    'hcpcs_modifier_4': 'a.hcpcs_4_mdfr_cd',
    'hcpcs_modifier_5': 'a.hcpcs_5_mdfr_cd',
    'rendering_npi': 'coalesce(' ~ clean_npi('a.atndg_prvdr_npi_num') ~ ', ' ~ clean_npi('a.clm_atndg_prvdr_npi_num') ~ ')',
    'billing_npi': 'coalesce(' ~ clean_npi('a.clm_blg_prvdr_npi_num') ~ ', ' ~ clean_npi('a.fac_prvdr_npi_num') ~ ')',
    'facility_npi': clean_npi('a.fac_prvdr_npi_num'),
    'paid_date': 'a.clm_efctv_dt',
    'paid_amount': 'a.paid_amount',
    'charge_amount': 'a.charge_amount',
    'diagnosis_code_type': icd_code_type('a.icd_ind', 'a.clm_thru_dt', 'cm', any_not_null(dx_cols)),
    'procedure_code_type': icd_code_type('a.icd_ind', 'a.clm_thru_dt', 'pcs', any_not_null(px_cols)),
    'x_ccn': 'a.prvdr_oscar_num',
    'x_claim_type_code': 'a.clm_type_cd',
    'x_attending_npi': 'coalesce(' ~ clean_npi('a.atndg_prvdr_npi_num') ~ ', ' ~ clean_npi('a.clm_atndg_prvdr_npi_num') ~ ')',
    'x_operating_npi': 'coalesce(' ~ clean_npi('a.oprtg_prvdr_npi_num') ~ ', ' ~ clean_npi('a.clm_oprtg_prvdr_npi_num') ~ ')',
    'x_other_npi': 'coalesce(' ~ clean_npi('a.othr_prvdr_npi_num') ~ ', ' ~ clean_npi('a.clm_othr_prvdr_npi_num') ~ ')',
    'x_source_mbi': 'a.bene_mbi_id',
    'x_version_count': 'a.version_count',
} -%}
{%- for n in range(1, 26) %}
    {%- do inst.update({
        'diagnosis_code_' ~ n: 'a.diagnosis_code_' ~ n,
        'diagnosis_poa_' ~ n: 'a.diagnosis_poa_' ~ n,
        'procedure_code_' ~ n: 'a.procedure_code_' ~ n,
        'procedure_date_' ~ n: 'a.procedure_date_' ~ n,
    }) %}
{%- endfor -%}

{#- professional: physician (CCLF5) -#}
{%- set phys = {
    'claim_id': 'b.cur_clm_uniq_id',
    'claim_line_number': 'b.clm_line_num',
    'claim_type': "'professional'",
    'person_id': 'b.current_mbi',
    'member_id': 'b.current_mbi',
    'payer': "'medicare'",
    'plan': "'medicare'",
    'claim_start_date': 'b.clm_from_dt',
    'claim_end_date': 'b.clm_thru_dt',
    'claim_line_start_date': 'b.clm_line_from_dt',
    'claim_line_end_date': 'b.clm_line_thru_dt',
    'place_of_service_code': 'b.clm_pos_cd',
    'service_unit_quantity': 'b.clm_line_srvc_unit_qty',
    'hcpcs_code': 'b.clm_line_hcpcs_cd',
    'hcpcs_modifier_1': 'b.hcpcs_1_mdfr_cd',
    'hcpcs_modifier_2': 'b.hcpcs_2_mdfr_cd',
    'hcpcs_modifier_3': 'b.hcpcs_3_mdfr_cd',
    'hcpcs_modifier_4': 'b.hcpcs_4_mdfr_cd',
    'hcpcs_modifier_5': 'b.hcpcs_5_mdfr_cd',
    'rendering_npi': 'coalesce(' ~ clean_npi('b.rndrg_prvdr_npi_num') ~ ', ' ~ clean_npi('b.clm_rndrg_prvdr_npi_num') ~ ')',
    'rendering_tin': 'b.clm_rndrg_prvdr_tax_num',
    'paid_date': 'b.clm_efctv_dt',
    'paid_amount': 'b.net_clm_line_cvrd_pd_amt',
    'allowed_amount': 'b.net_clm_line_alowd_chrg_amt',
    'diagnosis_code_1': 'coalesce(b.clm_dgns_1_cd, b.clm_line_dgns_cd)',
    'x_claim_type_code': 'b.clm_type_cd',
    'x_claim_provider_specialty_code': 'b.clm_prvdr_spclty_cd',
    'x_referring_npi': clean_npi('b.clm_rfrg_prvdr_npi_num'),
    'x_source_mbi': 'b.bene_mbi_id',
    'x_version_count': 'b.version_count',
} -%}
{%- set phys_dx = ['coalesce(b.clm_dgns_1_cd, b.clm_line_dgns_cd)'] -%}
{%- for n in range(2, 13) %}
    {%- do phys.update({'diagnosis_code_' ~ n: 'b.clm_dgns_' ~ n ~ '_cd'}) %}
    {%- do phys_dx.append('b.clm_dgns_' ~ n ~ '_cd') %}
{%- endfor -%}
{%- do phys.update({
    'diagnosis_code_type': icd_code_type('b.dgns_prcdr_icd_ind', 'b.clm_thru_dt', 'cm', any_not_null(phys_dx))
}) -%}

{#- professional: DME (CCLF6) -#}
{%- set dme = {
    'claim_id': 'd.cur_clm_uniq_id',
    'claim_line_number': 'd.clm_line_num',
    'claim_type': "'professional'",
    'person_id': 'd.current_mbi',
    'member_id': 'd.current_mbi',
    'payer': "'medicare'",
    'plan': "'medicare'",
    'claim_start_date': 'd.clm_from_dt',
    'claim_end_date': 'd.clm_thru_dt',
    'claim_line_start_date': 'd.clm_line_from_dt',
    'claim_line_end_date': 'd.clm_line_thru_dt',
    'place_of_service_code': 'd.clm_pos_cd',
    'hcpcs_code': 'd.clm_line_hcpcs_cd',
    'billing_npi': 'coalesce(' ~ clean_npi('d.payto_prvdr_npi_num') ~ ', ' ~ clean_npi('d.clm_blg_prvdr_npi_num') ~ ')',
    'paid_date': 'd.clm_efctv_dt',
    'paid_amount': 'd.net_clm_line_cvrd_pd_amt',
    'allowed_amount': 'd.net_clm_line_alowd_chrg_amt',
    'x_claim_type_code': 'd.clm_type_cd',
    'x_ordering_npi': clean_npi('d.ordrg_prvdr_npi_num'),
    'x_referring_npi': clean_npi('d.clm_rfrg_prvdr_npi_num'),
    'x_source_mbi': 'd.bene_mbi_id',
    'x_version_count': 'd.version_count',
} -%}

{#- columns every branch takes from its own final row -#}
{%- for alias, branch in [('a', inst), ('b', phys), ('d', dme)] %}
    {%- do branch.update({
        'in_network_flag': 'true',
        'data_source': "'medicare cclf'",
        'file_name': alias ~ '.file_name',
        'file_date': alias ~ '.file_date',
        'ingest_datetime': 'cast(' ~ alias ~ '.file_date as timestamp)',
        'x_delivery_kind': alias ~ '.delivery_kind',
    }) %}
{%- endfor -%}

with

institutional_source as (
    select
        lines.*,
        {%- for n in range(2, 26) %}
        dx.diagnosis_code_{{ n }},
        {%- endfor %}
        case when dx.cur_clm_uniq_id is null then lines.prncpl_dgns_cd else dx.diagnosis_code_1 end
            as diagnosis_code_1,
        {%- for n in range(1, 26) %}
        dx.diagnosis_poa_{{ n }},
        {%- endfor %}
        {%- for n in range(1, 26) %}
        px.procedure_code_{{ n }},
        px.procedure_date_{{ n }},
        {%- endfor %}
        coalesce(lines.dgns_prcdr_icd_ind, dx.dgns_prcdr_icd_ind, px.dgns_prcdr_icd_ind) as icd_ind
    from {{ ref('int_parta_lines_allocated') }} as lines
    left join {{ ref('int_parta_diagnoses_pivoted') }} as dx
        on dx.cur_clm_uniq_id = lines.cur_clm_uniq_id
    left join {{ ref('int_parta_procedures_pivoted') }} as px
        on px.cur_clm_uniq_id = lines.cur_clm_uniq_id
),

institutional as (
    select
        {{ input_layer_select('medical_claim', inst) }}
    from institutional_source as a
),

physician as (
    select
        {{ input_layer_select('medical_claim', phys) }}
    from {{ ref('int_partb_physician_lines_latest_version_selected') }} as b
),

dme as (
    select
        {{ input_layer_select('medical_claim', dme) }}
    from {{ ref('int_partb_dme_lines_latest_version_selected') }} as d
),

medical_claim as (
    select * from institutional
    union all
    select * from physician
    union all
    select * from dme
)

select * from medical_claim
