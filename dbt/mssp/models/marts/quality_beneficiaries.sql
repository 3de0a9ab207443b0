-- MCQM beneficiaries, one row per beneficiary per MCQM delivery.
select * from {{ ref('stg_mssp__mcqm_beneficiaries') }}
