{#-
    Rows where `expression` is not TRUE. A NULL result FAILS (unlike dbt_utils, where a NULL
    comparison passes): a rule on a value that is missing was not shown to hold, and a test
    that passes on missing data cannot fail where it matters. A rule that allows NULL says so
    (`x is null or ...`). `column_name` (column-level use) is ignored: `expression` is the
    whole condition. Proved by tests/integration/test_dbt_common.py.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
