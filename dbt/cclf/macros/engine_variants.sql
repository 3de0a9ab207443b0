{#- PostgreSQL variants (tests/engines/test_postgres.py): contract types under PostgreSQL's own
    names, which are also what the contract_columns test reads back from the catalog. -#}

{% macro postgres__input_layer_type(contract_type) %}
    {% set types = {
        'varchar': 'character varying', 'double': 'double precision',
        'decimal(38, 4)': 'numeric(38,4)', 'timestamp': 'timestamp without time zone'
    } %}
    {{ return(types.get(contract_type, contract_type)) }}
{% endmacro %}
