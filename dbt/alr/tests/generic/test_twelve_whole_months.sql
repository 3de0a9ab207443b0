{#- Rows whose [start, end] window is not exactly 12 whole calendar months. -#}
{% test twelve_whole_months(model, start_column, end_column) %}
select *
from {{ model }}
where extract(day from {{ start_column }}) <> 1
   or cast({{ dbt.dateadd('month', 12, start_column) }} as date)
      <> cast({{ dbt.dateadd('day', 1, end_column) }} as date)
{% endtest %}
