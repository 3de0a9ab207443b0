-- Tuva reads its input from a model named medical_claim in the calling project: ours, as built by dbt/cclf.
select * from {{ source('input_layer', 'medical_claim') }}
