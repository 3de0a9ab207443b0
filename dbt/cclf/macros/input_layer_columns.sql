{#-
    The Tuva Input Layer v0.17.2 contract (tuva_input_layer.md §3) as data: column name and
    contract type, in order, followed by our `x_` extras (cclf_semantics §9).
-#}
{% macro input_layer_columns(relation_name) %}
    {% set medical = [
        ('claim_id', 'varchar'), ('claim_line_number', 'integer'),
        ('claim_type', 'varchar'), ('person_id', 'varchar'), ('member_id', 'varchar'),
        ('payer', 'varchar'), ('plan', 'varchar'),
        ('claim_start_date', 'date'), ('claim_end_date', 'date'),
        ('claim_line_start_date', 'date'), ('claim_line_end_date', 'date'),
        ('admission_date', 'date'), ('discharge_date', 'date'),
        ('admit_source_code', 'varchar'), ('admit_type_code', 'varchar'),
        ('discharge_disposition_code', 'varchar'), ('place_of_service_code', 'varchar'),
        ('bill_type_code', 'varchar'), ('drg_code_type', 'varchar'), ('drg_code', 'varchar'),
        ('revenue_center_code', 'varchar'), ('service_unit_quantity', 'double'),
        ('hcpcs_code', 'varchar'), ('hcpcs_modifier_1', 'varchar'),
        ('hcpcs_modifier_2', 'varchar'), ('hcpcs_modifier_3', 'varchar'),
        ('hcpcs_modifier_4', 'varchar'), ('hcpcs_modifier_5', 'varchar'),
        ('rendering_npi', 'varchar'), ('rendering_tin', 'varchar'),
        ('billing_npi', 'varchar'), ('billing_tin', 'varchar'), ('facility_npi', 'varchar'),
        ('paid_date', 'date'),
        ('paid_amount', 'double'), ('allowed_amount', 'double'), ('charge_amount', 'double'),
        ('coinsurance_amount', 'double'), ('copayment_amount', 'double'),
        ('deductible_amount', 'double'), ('total_cost_amount', 'double'),
        ('diagnosis_code_type', 'varchar')
    ] %}
    {% for n in range(1, 26) %}{% do medical.append(('diagnosis_code_' ~ n, 'varchar')) %}{% endfor %}
    {% for n in range(1, 26) %}{% do medical.append(('diagnosis_poa_' ~ n, 'varchar')) %}{% endfor %}
    {% do medical.append(('procedure_code_type', 'varchar')) %}
    {% for n in range(1, 26) %}{% do medical.append(('procedure_code_' ~ n, 'varchar')) %}{% endfor %}
    {% for n in range(1, 26) %}{% do medical.append(('procedure_date_' ~ n, 'date')) %}{% endfor %}
    {% do medical.extend([
        ('in_network_flag', 'boolean'), ('data_source', 'varchar'), ('file_name', 'varchar'),
        ('file_date', 'date'), ('ingest_datetime', 'timestamp')
    ]) %}

    {% set pharmacy = [
        ('claim_id', 'varchar'), ('claim_line_number', 'integer'),
        ('person_id', 'varchar'), ('member_id', 'varchar'), ('payer', 'varchar'),
        ('plan', 'varchar'), ('prescribing_provider_npi', 'varchar'),
        ('dispensing_provider_npi', 'varchar'), ('dispensing_date', 'date'),
        ('ndc_code', 'varchar'), ('quantity', 'integer'), ('days_supply', 'integer'),
        ('refills', 'integer'), ('paid_date', 'date'), ('paid_amount', 'double'),
        ('allowed_amount', 'double'), ('charge_amount', 'double'),
        ('coinsurance_amount', 'double'), ('copayment_amount', 'double'),
        ('deductible_amount', 'double'), ('in_network_flag', 'boolean'),
        ('data_source', 'varchar'), ('file_name', 'varchar'), ('file_date', 'date'),
        ('ingest_datetime', 'timestamp')
    ] %}

    {% set eligibility = [
        ('person_id', 'varchar'), ('member_id', 'varchar'), ('subscriber_id', 'varchar'),
        ('gender', 'varchar'), ('race', 'varchar'), ('birth_date', 'date'),
        ('death_date', 'date'), ('death_flag', 'boolean'),
        ('enrollment_start_date', 'date'), ('enrollment_end_date', 'date'),
        ('payer', 'varchar'), ('payer_type', 'varchar'), ('plan', 'varchar'),
        ('original_reason_entitlement_code', 'varchar'), ('dual_status_code', 'varchar'),
        ('medicare_status_code', 'varchar'), ('enrollment_status', 'varchar'),
        ('hospice_flag', 'integer'), ('institutional_snp_flag', 'integer'),
        ('long_term_institutional_flag', 'integer'),
        ('group_id', 'varchar'), ('group_name', 'varchar'), ('name_suffix', 'varchar'),
        ('first_name', 'varchar'), ('middle_name', 'varchar'), ('last_name', 'varchar'),
        ('social_security_number', 'varchar'), ('subscriber_relation', 'varchar'),
        ('address', 'varchar'), ('city', 'varchar'), ('state', 'varchar'),
        ('zip_code', 'varchar'), ('phone', 'varchar'), ('email', 'varchar'),
        ('ethnicity', 'varchar'), ('data_source', 'varchar'), ('file_name', 'varchar'),
        ('file_date', 'date'), ('ingest_datetime', 'timestamp')
    ] %}

    {% set contract = {
        'medical_claim': medical,
        'pharmacy_claim': pharmacy,
        'eligibility': eligibility,
    } %}
    {{ return(contract[relation_name]) }}
{% endmacro %}

{#- Our `x_` extras, in output order (cclf_semantics §9). -#}
{% macro input_layer_extras(relation_name) %}
    {% set extras = {
        'medical_claim': [
            ('x_ccn', 'varchar'), ('x_claim_type_code', 'varchar'),
            ('x_claim_provider_specialty_code', 'varchar'), ('x_attending_npi', 'varchar'),
            ('x_operating_npi', 'varchar'), ('x_other_npi', 'varchar'),
            ('x_ordering_npi', 'varchar'), ('x_referring_npi', 'varchar'),
            ('x_delivery_kind', 'varchar'), ('x_source_mbi', 'varchar'),
            ('x_version_count', 'integer')
        ],
        'pharmacy_claim': [
            ('x_fill_number', 'varchar'), ('x_quantity', 'decimal(38, 4)'),
            ('x_daw_product_selection_code', 'varchar'), ('x_dispensing_status_code', 'varchar'),
            ('x_pharmacy_service_type_code', 'varchar'), ('x_delivery_kind', 'varchar'),
            ('x_source_mbi', 'varchar')
        ],
        'eligibility': [
            ('x_medicare_entitlement_buyin_indicator', 'varchar'),
            ('x_fips_state_code', 'varchar'), ('x_fips_county_code', 'varchar')
        ],
    } %}
    {{ return(extras[relation_name]) }}
{% endmacro %}

{#- Contract type -> adapter type. -#}
{% macro input_layer_type(contract_type) %}
    {{ return(adapter.dispatch('input_layer_type', 'cclf')(contract_type)) }}
{% endmacro %}

{% macro default__input_layer_type(contract_type) %}
    {{ return({'varchar': mssp_common.text_type()}.get(contract_type, contract_type)) }}
{% endmacro %}

{% macro bigquery__input_layer_type(contract_type) %}
    {% set types = {
        'varchar': 'string', 'integer': 'int64', 'double': 'float64',
        'boolean': 'bool', 'decimal(38, 4)': 'bignumeric'
    } %}
    {{ return(types.get(contract_type, contract_type)) }}
{% endmacro %}

{#-
    Select list of every contract column (in order, cast to its type) followed by the extras.
    `expressions` maps a column name to its SQL; a column without one is NULL. Float amounts
    are rounded to 2 decimals before the cast.
-#}
{% macro input_layer_select(relation_name, expressions) -%}
    {%- set cols = input_layer_columns(relation_name) + input_layer_extras(relation_name) -%}
    {%- for name, ctype in cols %}
        {%- set expr = expressions.get(name, 'null') %}
        {%- if ctype == 'double' and name.endswith('_amount') and expr != 'null' %}
            {%- set expr = 'round(' ~ expr ~ ', 2)' %}
        {%- endif %}
        cast({{ expr }} as {{ input_layer_type(ctype) }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
