{%- set columns = [
    'bene_mbi_id', 'bene_fips_state_cd', 'bene_fips_cnty_cd', 'bene_dob', 'bene_sex_cd',
    'bene_race_cd', 'bene_mdcr_stus_cd', 'bene_dual_stus_cd', 'bene_death_dt',
    'bene_1st_name', 'bene_midl_name', 'bene_last_name', 'bene_orgnl_entlmt_rsn_cd',
    'bene_entlmt_buyin_ind', 'bene_line_1_adr', 'bene_line_2_adr', 'bene_line_3_adr',
    'bene_line_4_adr', 'bene_line_5_adr', 'bene_line_6_adr', 'geo_zip_plc_name',
    'geo_usps_state_cd', 'geo_zip5_cd', 'geo_zip4_cd'
] -%}

with

src as (
    {{ cclf_source_rows('beneficiary_demographics', columns) }}
),

renamed as (
    select
        -- ids
        src.bene_mbi_id,
        -- codes
        src.bene_sex_cd,
        src.bene_race_cd,
        src.bene_mdcr_stus_cd,
        src.bene_dual_stus_cd,
        src.bene_orgnl_entlmt_rsn_cd,
        src.bene_entlmt_buyin_ind,
        src.bene_fips_state_cd,
        src.bene_fips_cnty_cd,
        -- person
        src.bene_1st_name,
        src.bene_midl_name,
        src.bene_last_name,
        src.bene_line_1_adr,
        src.bene_line_2_adr,
        src.bene_line_3_adr,
        src.bene_line_4_adr,
        src.bene_line_5_adr,
        src.bene_line_6_adr,
        src.geo_zip_plc_name,
        src.geo_usps_state_cd,
        src.geo_zip5_cd,
        src.geo_zip4_cd,
        -- dates
        {{ mssp_common.cms_date('src.bene_dob') }} as bene_dob,
        {{ mssp_common.cms_date('src.bene_death_dt') }} as bene_death_dt,
        -- file
        {{ cclf_file_columns() }}
    from src
),

delivered as (
    select * from renamed where {{ cclf_weekly_filter() }}
)

-- identity: one row per MBI per delivered file
select
    delivered.*,
    (
        bene_mbi_id is not null
        and row_number() over (
            partition by bene_mbi_id, file_date, file_t_stamp, file_name
            order by file_row_number desc nulls last
        ) = 1
    ) as is_latest_copy
from delivered
