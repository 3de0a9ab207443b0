-- warn: raw values that do not parse as the CMS date / amount / integer they should be
-- (cclf_semantics §0); they become NULL in staging. One row per table and column.
{{ config(severity='warn') }}
{%- set checks = {
    'parta_claims_header': {
        'date': ['clm_from_dt', 'clm_thru_dt', 'clm_efctv_dt'],
        'amount': ['clm_pmt_amt', 'clm_mdcr_instnl_tot_chrg_amt'],
        'int': ['clm_adjsmt_type_cd'],
    },
    'parta_claims_revenue_center_detail': {
        'date': ['clm_line_from_dt', 'clm_line_thru_dt'],
        'amount': ['clm_line_cvrd_pd_amt', 'clm_line_srvc_unit_qty'],
        'int': ['clm_line_num'],
    },
    'parta_procedure_code': {'date': ['clm_prcdr_prfrm_dt'], 'amount': [], 'int': ['clm_val_sqnc_num']},
    'parta_diagnosis_code': {'date': [], 'amount': [], 'int': ['clm_val_sqnc_num']},
    'partb_physicians': {
        'date': ['clm_from_dt', 'clm_thru_dt', 'clm_line_from_dt', 'clm_line_thru_dt', 'clm_efctv_dt'],
        'amount': ['clm_line_cvrd_pd_amt', 'clm_line_alowd_chrg_amt', 'clm_line_srvc_unit_qty'],
        'int': ['clm_line_num', 'clm_adjsmt_type_cd'],
    },
    'partb_dme': {
        'date': ['clm_from_dt', 'clm_thru_dt', 'clm_line_from_dt', 'clm_line_thru_dt', 'clm_efctv_dt'],
        'amount': ['clm_line_cvrd_pd_amt', 'clm_line_alowd_chrg_amt'],
        'int': ['clm_line_num', 'clm_adjsmt_type_cd'],
    },
    'partd_claims': {
        'date': ['clm_line_from_dt', 'clm_efctv_dt'],
        'amount': ['clm_line_srvc_unit_qty', 'clm_line_days_suply_qty', 'clm_line_bene_pmt_amt'],
        'int': ['clm_adjsmt_type_cd'],
    },
    'beneficiary_demographics': {'date': ['bene_dob', 'bene_death_dt'], 'amount': [], 'int': []},
} -%}

with
{% for table, kinds in checks.items() %}
{%- set cols = kinds['date'] + kinds['amount'] + kinds['int'] %}
{{ table }}_raw as (
    {{ cclf_source_rows(table, cols) }}
),
{%- endfor %}

unparsed as (
{%- set parts = [] %}
{%- for table, kinds in checks.items() %}
    {%- for kind in ['date', 'amount', 'int'] %}
        {%- for col in kinds[kind] %}
            {%- if kind == 'date' %}
                {%- set parsed = mssp_common.cms_date(col) %}
                {%- set extra = " and " ~ col ~ " not in ('1000-01-01', '9999-12-31')" %}
            {%- elif kind == 'amount' %}
                {%- set parsed = mssp_common.cms_amount(col, 4) %}
                {%- set extra = "" %}
            {%- else %}
                {%- set parsed = mssp_common.cms_int(col) %}
                {%- set extra = "" %}
            {%- endif %}
            {%- do parts.append(
                "select '" ~ table ~ "' as table_name, '" ~ col ~ "' as column_name, count(*) as unparsed_rows"
                ~ " from " ~ table ~ "_raw where " ~ col ~ " is not null" ~ extra
                ~ " and " ~ parsed ~ " is null"
            ) %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
    {{ parts | join('\n    union all\n    ') }}
)

select * from unparsed where unparsed_rows > 0
