-- error: one data_source value across the CCLF relations (tuva_input_layer.md §4)
select data_source from {{ ref('medical_claim') }} where data_source <> 'medicare cclf'
union all
select data_source from {{ ref('pharmacy_claim') }} where data_source <> 'medicare cclf'
union all
select data_source from {{ ref('eligibility') }} where data_source <> 'medicare cclf'
