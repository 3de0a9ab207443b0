-- BNEX, one row per excluded beneficiary per file.
select * from {{ ref('stg_mssp__beneficiary_exclusions') }}
