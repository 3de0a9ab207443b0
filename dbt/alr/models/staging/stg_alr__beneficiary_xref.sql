-- CCLF9 rows for the MBI crosswalk, raw text as the loader wrote them
-- (an ALR-only ACO has no beneficiary_xref table: zero rows).

with

source as (

    select *
    from {{ mssp_common.raw_relation('alr_raw', 'beneficiary_xref', cclf9_layout()) }} as raw

)

select * from source
