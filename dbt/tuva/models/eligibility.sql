-- Tuva reads its input from a model named eligibility in the calling project: ours, as built by dbt/cclf.
select * from {{ source('input_layer', 'eligibility') }}
