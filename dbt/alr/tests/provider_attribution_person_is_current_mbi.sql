-- No person_id of provider_attribution is a superseded MBI (tuva_input_layer §5):
-- every person is the end of its crosswalk chain.

select
    attribution.year_month,
    count(*) as superseded_person_rows
from {{ ref('provider_attribution') }} as attribution
inner join {{ ref('int_alr_mbi_crosswalk') }} as crosswalk
    on crosswalk.prvs_num = attribution.person_id
group by attribution.year_month
