{#-
    Source columns of each raw ALR table (shared/reference/alr_layouts/README.md), CMS
    header names in lower case. Columns missing from a delivery read as NULL.
-#}
{% macro alr_layout(alr_table) -%}
    {%- set id7 = ['bene_mbi_id', 'bene_hic_num', 'bene_1st_name', 'bene_last_name',
                   'bene_sex_cd', 'bene_brth_dt', 'bene_death_dt'] -%}
    {%- set layouts = {
        '1-1': id7 + [
            'geo_ssa_cnty_cd_name', 'geo_ssa_state_name', 'state_county_cd', 'in_va_max',
            'va_tin', 'va_npi', 'cba_flag', 'assignment_type', 'assigned_before',
            'asg_status', 'partd_months']
            + alr_numbered('enrollflag', 1, 12)
            + ['hcc_version']
            + alr_numbered('hcc_col_', 1, var('alr_hcc_columns', 120))
            + alr_numbered('bene_rsk_r_scre_', 1, 12, 2)
            + alr_score_columns()
            + ['new_enrollee', 'lti_status', 'bene_race_cd', 'bene_psnyrs_dual'],
        '1-2': id7 + ['master_id', 'b_em_line_cnt_t'],
        '1-4': id7 + ['master_id', 'npi_used', 'pcs_count'],
        '1-5': id7 + alr_turnover_flags(),
        '1-6': id7 + ['va_selection_only'],
        '1-9': ['bene_mbi_id', 'adi_natrank', 'bene_lis_status', 'bene_dual_status',
                'bene_psnyrs_lis_dual', 'bene_psnyrs'],
    } -%}
    {{ return(layouts[alr_table]) }}
{%- endmacro %}

{% macro alr_numbered(prefix, first, last, width=1) -%}
    {%- set names = [] -%}
    {%- for n in range(first, last + 1) -%}
        {%- do names.append(prefix ~ ('%0' ~ width ~ 'd') | format(n)) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro alr_score_columns() -%}
    {{ return(['esrd_score', 'dis_score', 'agdu_score', 'agnd_score', 'dem_esrd_score',
               'dem_dis_score', 'dem_agdu_score', 'dem_agnd_score']) }}
{%- endmacro %}

{% macro alr_turnover_flags() -%}
    {{ return(['plur_r05', 'ab_r01', 'hmo_r03', 'no_us_r02', 'mdm_r04', 'nofnd_r06']) }}
{%- endmacro %}

{#- The beneficiary_xref (CCLF9) columns the crosswalk macro reads. -#}
{% macro cclf9_layout() -%}
    {{ return(['hicn_mbi_xref_ind', 'crnt_num', 'prvs_num', 'prvs_id_efctv_dt',
               'prvs_id_obslt_dt', 'bene_rrb_num']) }}
{%- endmacro %}
