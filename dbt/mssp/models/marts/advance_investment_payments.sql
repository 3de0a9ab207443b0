-- BAIP, one row per beneficiary per payment quarter per file.
select * from {{ ref('stg_mssp__baip') }}
