{#-
    ICD code type from DGNS_PRCDR_ICD_IND (§5): '0' -> ICD-10, '9' -> ICD-9, blank -> by the
    claim end date (ICD-10 from 2015-10-01). `kind` is 'cm' or 'pcs'. NULL when has_code
    is false.
-#}
{% macro icd_code_type(indicator, claim_end_date, kind, has_code) -%}
    case
        when not ({{ has_code }}) then null
        when {{ indicator }} = '0' then 'icd-10-{{ kind }}'
        when {{ indicator }} = '9' then 'icd-9-{{ kind }}'
        when {{ claim_end_date }} >= cast('2015-10-01' as date) then 'icd-10-{{ kind }}'
        else 'icd-9-{{ kind }}'
    end
{%- endmacro %}

{#- SQL that is true when any of the expressions is not NULL. -#}
{% macro any_not_null(expressions) -%}
    coalesce({{ expressions | join(', ') }}) is not null
{%- endmacro %}
