{#- Rows where the raw text `text_column` is present but `column_name` did not parse. -#}
{% test parsed_when_present(model, column_name, text_column) %}
select {{ text_column }} is not null as has_text, count(*) as unparsed_rows
from {{ model }}
where {{ text_column }} is not null
  and {{ column_name }} is null
group by 1
{% endtest %}
