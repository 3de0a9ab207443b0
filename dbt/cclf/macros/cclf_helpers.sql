{#- Helpers shared by the CCLF models (cclf_semantics §0). -#}


{#-
    Body of a staging model's `source` CTE: the listed raw columns + the loader's metadata
    (mssp_common.raw_relation, the reader dbt/alr and dbt/mssp use too): zero typed rows when
    the raw table was never loaded, NULL for a listed column the table does not have.
-#}
{% macro cclf_source_rows(table_name, columns) -%}
    select * from {{ mssp_common.raw_relation('cclf', table_name, columns) }} as raw
{%- endmacro %}

{#- File metadata columns of a staging model (alias of the source CTE: `src`). -#}
{% macro cclf_file_columns() -%}
        src.file_name,
        coalesce(
            {{ mssp_common.safe_cast('src.file_date', 'date') }},
            {{ mssp_common.file_date_from_name('src.file_name') }}
        ) as file_date,
        {{ mssp_common.file_t_stamp('src.file_name') }} as file_t_stamp,
        {{ mssp_common.safe_cast('src.file_row_number', 'bigint') }} as file_row_number,
        case {{ mssp_common.regex_group('src.file_name', 'ZC[0-9AB](W?[YR])[0-9]{2}[.]') }}
            when 'Y' then 'regular'
            when 'R' then 'run-out'
            when 'WY' then 'weekly'
            when 'WR' then 'weekly'
        end as delivery_kind
{%- endmacro %}

{#- Weekly files only with var include_weekly_cclf (applied on the renamed CTE). -#}
{% macro cclf_weekly_filter() -%}
    {%- if var('include_weekly_cclf', false) | string | lower in ['true', '1', 'yes'] -%}
    1 = 1
    {%- else -%}
    coalesce(delivery_kind, '') <> 'weekly'
    {%- endif -%}
{%- endmacro %}

{#- "Latest file" first: (file_date, t_stamp, file_name) desc. -#}
{% macro latest_file_order(alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    {{ p }}file_date desc nulls last,
    {{ p }}file_t_stamp desc nulls last,
    {{ p }}file_name desc nulls last
{%- endmacro %}

{#- "Latest copy" first: latest file, then greatest file_row_number. -#}
{% macro latest_copy_order(alias=none) -%}
    {%- set p = (alias ~ '.') if alias else '' -%}
    {{ latest_file_order(alias) }},
    {{ p }}file_row_number desc nulls last
{%- endmacro %}

{#- CUR_CLM_UNIQ_ID ordered as a number (NULLs last), then as text. The number is cms_amount's
    decimal(38, 0), whose DuckDB variant parses 30x faster than a plain try_cast (it ran per row of
    every version window). -#}
{% macro claim_id_desc(expr) -%}
    {{ mssp_common.cms_amount(expr, 0) }} desc nulls last,
    {{ expr }} desc nulls last
{%- endmacro %}

{#- 1 for the first (latest) copy of each identity key, for rows with a full identity. -#}
{% macro is_latest_copy(identity_columns) -%}
    (
        {%- for col in identity_columns %}
        {{ col }} is not null and
        {%- endfor %}
        row_number() over (
            partition by {{ identity_columns | join(', ') }}
            order by {{ latest_copy_order() }}
        ) = 1
    )
{%- endmacro %}

{#- NPI text: '~' or all zeros -> NULL. -#}
{% macro clean_npi(expr) -%}
    case
        when {{ expr }} is null then null
        when {{ expr }} = '~' then null
        when replace({{ expr }}, '0', '') = '' then null
        else {{ expr }}
    end
{%- endmacro %}

{#- NULL-safe text key part. -#}
{% macro key_part(expr) -%}
    coalesce(cast({{ expr }} as {{ mssp_common.text_type() }}), '~null~')
{%- endmacro %}
