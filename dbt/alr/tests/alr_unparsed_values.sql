-- warn: raw ALR values present but not parsed by the staging cast they go through (alr_semantics
-- §9); they become NULL. One row per table and column with failures. ASSIGNMENT_TYPE in its
-- text form (CLAIMS, VA) is a delivered form, not a failure (kept as assignment_type_text).
{{ config(severity='warn') }}
{%- set integer = 'integer' %}
{%- set decimal = 'decimal(38, 14)' %}
{%- set checks = {
    '1-1': [('aalr1_assigned_beneficiaries', 'date', ['bene_brth_dt', 'bene_death_dt']),
            ('aalr1_assigned_beneficiaries', integer,
             ['in_va_max', 'cba_flag', 'assignment_type', 'assigned_before', 'partd_months', 'new_enrollee',
              'lti_status'] + alr_numbered('enrollflag', 1, 12) + alr_numbered('hcc_col_', 1, var('alr_hcc_columns', 120))),
            ('aalr1_assigned_beneficiaries', decimal,
             alr_numbered('bene_rsk_r_scre_', 1, 12, 2) + alr_score_columns() + ['bene_psnyrs_dual'])],
    '1-2': [('aalr2_assigned_beneficiaries_tin', integer, ['b_em_line_cnt_t'])],
    '1-4': [('aalr4_assigned_beneficiaries_tin_npi', integer, ['pcs_count'])],
    '1-5': [('aalr5_beneficiary_turnover', integer, alr_turnover_flags())],
    '1-6': [('aalr6_beneficiaries_assignable_or_voluntary', integer, ['va_selection_only'])],
    '1-9': [('aalr9_beneficiaries_underserved', integer, ['adi_natrank']),
            ('aalr9_beneficiaries_underserved', decimal, ['bene_psnyrs_lis_dual', 'bene_psnyrs'])],
} %}
{%- set parts = [] %}
with
{%- for layout, groups in checks.items() %}
{{ groups[0][0] }}_raw as (
    select * from {{ mssp_common.raw_relation('alr_raw', groups[0][0], alr_layout(layout)) }} as raw
),
{%- for table, type, columns in groups %}
{%- for column in columns %}
{%- if type == 'date' %}
{%- set parsed = alr_date(column) %}
{%- else %}
{%- set parsed = mssp_common.safe_cast(column, type) %}
{%- endif %}
{%- set allowed = " and upper(trim(" ~ column ~ ")) not in ('CLAIMS', 'VA')" if column == 'assignment_type' else "" %}
{%- do parts.append("select '" ~ table ~ "' as table_name, '" ~ column ~ "' as column_name, count(*) as unparsed_rows from "
    ~ table ~ "_raw where " ~ column ~ " is not null and " ~ parsed ~ " is null" ~ allowed) %}
{%- endfor %}
{%- endfor %}
{%- endfor %}
unparsed as (
    {{ parts | join('\n    union all\n    ') }}
)
select * from unparsed where unparsed_rows > 0
