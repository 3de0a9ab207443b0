{#-
    input_layer.eligibility (Tuva Input Layer v0.17.2, 39 columns + x_ extras).
    Grain: one record per person, member, enrollment span, payer, plan, data source.
-#}
{%- set address_lines = [] -%}
{%- for n in range(1, 7) %}{% do address_lines.append("coalesce(', ' || c.bene_line_" ~ n ~ "_adr, '')") %}{% endfor -%}
{%- set elig = {
    'person_id': 's.person_id',
    'member_id': 's.person_id',
    'subscriber_id': 's.person_id',
    'gender': "case c.bene_sex_cd when '1' then 'male' when '2' then 'female' else 'unknown' end",
    'race': "case c.bene_race_cd
            when '1' then 'white'
            when '2' then 'black or african american'
            when '3' then 'other race'
            when '4' then 'asian'
            when '5' then 'other race'
            when '6' then 'american indian or alaska native'
            else 'unknown'
        end",
    'ethnicity': "case when c.bene_race_cd = '5' then 'Hispanic or Latino' end",
    'birth_date': 'c.bene_dob',
    'death_date': 'c.death_date',
    'death_flag': 'c.death_date is not null',
    'enrollment_start_date': 's.enrollment_start_date',
    'enrollment_end_date': 's.enrollment_end_date',
    'payer': "'medicare'",
    'payer_type': "'medicare'",
    'plan': "'medicare'",
    'original_reason_entitlement_code': 'c.bene_orgnl_entlmt_rsn_cd',
    'dual_status_code': "case
            when c.bene_dual_stus_cd = 'NA' then null
            when length(c.bene_dual_stus_cd) = 1 then '0' || c.bene_dual_stus_cd
            else c.bene_dual_stus_cd
        end",
    'medicare_status_code': 'c.bene_mdcr_stus_cd',
    'first_name': 'c.bene_1st_name',
    'middle_name': 'c.bene_midl_name',
    'last_name': 'c.bene_last_name',
    'subscriber_relation': "'self'",
    'address': "nullif(substr(" ~ address_lines | join(' || ') ~ ", 3), '')",
    'city': 'c.geo_zip_plc_name',
    'state': 'c.geo_usps_state_cd',
    'zip_code': "c.geo_zip5_cd || case when "
        ~ mssp_common.regex_group('c.geo_zip4_cd', '^([0-9]{4})$')
        ~ " is not null then '-' || c.geo_zip4_cd else '' end",
    'data_source': "'medicare cclf'",
    'file_name': 'c.file_name',
    'file_date': 'c.file_date',
    'ingest_datetime': 'cast(c.file_date as timestamp)',
    'x_medicare_entitlement_buyin_indicator': 'c.bene_entlmt_buyin_ind',
    'x_fips_state_code': 'c.bene_fips_state_cd',
    'x_fips_county_code': 'c.bene_fips_cnty_cd',
} -%}

with

eligibility as (
    select
        {{ input_layer_select('eligibility', elig) }}
    from {{ ref('int_enrollment_spans_collapsed') }} as s
    left join {{ ref('int_beneficiary_demographics_latest') }} as c
        on c.person_id = s.person_id
)

select * from eligibility
