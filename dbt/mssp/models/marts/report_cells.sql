-- BNMRK/AEXPU/QEXPU, one row per worksheet cell.
select * from {{ ref('stg_mssp__report_cells') }}
