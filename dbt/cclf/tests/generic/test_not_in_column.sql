{#- No non-NULL value of `column_name` appears in `to`.`field`. -#}
{% test not_in_column(model, column_name, to, field) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
      and {{ column_name }} in (select {{ field }} from {{ to }} where {{ field }} is not null)
{% endtest %}
