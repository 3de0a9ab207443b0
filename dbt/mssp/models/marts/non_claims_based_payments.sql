-- NCBP, one row per beneficiary per payment per file.
select * from {{ ref('stg_mssp__ncbp') }}
