{#-
    Tuva loads its terminology, value-set and reference seeds from a public bucket in a post-hook.
    With var `tuva_seeds_offline` (set by the pipeline when MSSP_TUVA_PACKAGES_DIR is used) nothing
    is downloaded: the seeds stay header-only, so terminology-driven marts build empty, except the
    calendar, which is computed here (date normalisation and member months join it).
-#}
{% macro duckdb__load_seed(uri, pattern, compression, headers, null_marker) %}
    {%- if not var('tuva_seeds_offline', false) -%}
        {{ return(the_tuva_project.duckdb__load_seed(uri, pattern, compression, headers, null_marker)) }}
    {%- elif pattern.startswith('calendar') -%}
        {%- call statement('offline_calendar') -%}
            insert into {{ this }}
            select d::date, year(d), month(d), day(d), strftime(d, '%B'), dayofweek(d) + 1,
                   strftime(d, '%A'), weekofyear(d), dayofyear(d), strftime(d, '%Y%m'),
                   date_trunc('month', d)::date, last_day(d), cast(strftime(d, '%Y%m') as integer)
            from generate_series(date '1900-01-01', date '2100-12-31', interval 1 day) as days(d)
        {%- endcall -%}
    {%- endif -%}
{% endmacro %}
