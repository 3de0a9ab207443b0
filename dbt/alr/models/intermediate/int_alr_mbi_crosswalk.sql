-- The CCLF9 MBI crosswalk (cclf_semantics §2) from the shared mssp_common macro, so
-- claims, eligibility and attribution map MBIs the same way: one row per prvs_num.

with

crosswalk as (

    {{ mssp_common.mbi_crosswalk(ref('stg_alr__beneficiary_xref')) }}

)

select * from crosswalk
