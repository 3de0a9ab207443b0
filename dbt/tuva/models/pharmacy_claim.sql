-- Tuva reads its input from a model named pharmacy_claim in the calling project: ours, as built by dbt/cclf.
select * from {{ source('input_layer', 'pharmacy_claim') }}
