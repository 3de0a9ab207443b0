-- BEUR, one row per beneficiary per BEUR file.
select * from {{ ref('stg_mssp__beur') }}
