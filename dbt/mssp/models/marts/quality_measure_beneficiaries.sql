-- MCQM measures, one row per beneficiary x measure per MCQM delivery.
select * from {{ ref('stg_mssp__mcqm_measures') }}
