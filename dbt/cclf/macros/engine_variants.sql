{#- PostgreSQL variants (tests/engines/test_postgres.py): contract types under PostgreSQL's own
    names, which are also what the contract_columns test reads back from the catalog. -#}

{% macro postgres__input_layer_type(contract_type) %}
    {% set types = {
        'varchar': 'character varying', 'double': 'double precision',
        'decimal(38, 4)': 'numeric(38,4)', 'timestamp': 'timestamp without time zone'
    } %}
    {{ return(types.get(contract_type, contract_type)) }}
{% endmacro %}

{#- Snowflake variant (tests/engines/test_snowflake.py): the same types under the names Snowflake's
    catalog reports back (INTEGER is NUMBER(38,0), DOUBLE is FLOAT, TIMESTAMP is TIMESTAMP_NTZ);
    the casts are unchanged in effect. -#}
{% macro snowflake__input_layer_type(contract_type) %}
    {% set types = {'integer': 'number', 'double': 'float', 'timestamp': 'timestamp_ntz'} %}
    {{ return(types.get(contract_type, mssp_common.text_type() if contract_type == 'varchar' else contract_type)) }}
{% endmacro %}

{#- Spark/Databricks variant (tests/engines/test_spark.py): INTEGER is reported back as INT. -#}
{% macro spark__input_layer_type(contract_type) %}
    {% set types = {'integer': 'int', 'varchar': mssp_common.text_type()} %}
    {{ return(types.get(contract_type, contract_type)) }}
{% endmacro %}
