"""The report's SQL: aggregates only (counts, sums), never a member-level column in a result.

Each query reads one relation of the contract (§4 ledger, §5 dbt outputs); callers check
that the relation exists first. Months are returned as DATE (first of month).
"""

from __future__ import annotations

import duckdb

from tasks.report.warehouse import Row, fetch

FILE_LOADS = "mssp_meta.file_loads"
REJECTED_RECORDS = "mssp_meta.rejected_records"
MEDICAL_CLAIM = "input_layer.medical_claim"
PHARMACY_CLAIM = "input_layer.pharmacy_claim"
ELIGIBILITY = "input_layer.eligibility"
ALR_ENROLLMENT = "alr.enrollment"
PROVIDER_ATTRIBUTION = "input_layer.provider_attribution"

MAX_MONTHS = 60
"""Trends show at most the last five years of months."""

# A placeholder D stamp (``D259999``) gives no date; the name's period token does:
# ``2025Q1`` -> 2025-01, ``Y2024`` -> 2024-01, else the stamp's year (``D24`` -> 2024-01).
PERIOD_MONTH_SQL = r"""coalesce(
        date_trunc('month', file_date)::date,
        case
            when regexp_matches(file_path, '\.(\d{4})Q([1-4])\.D\d{6}')
            then make_date(regexp_extract(file_path, '\.(\d{4})Q([1-4])\.D\d{6}', 1)::int,
                           regexp_extract(file_path, '\.(\d{4})Q([1-4])\.D\d{6}', 2)::int * 3 - 2, 1)
            when regexp_matches(file_path, '\.Y(\d{4})\.D\d{6}')
            then make_date(regexp_extract(file_path, '\.Y(\d{4})\.D\d{6}', 1)::int, 1, 1)
            when regexp_matches(file_path, '\.D(\d{2})9999\.')
            then make_date(2000 + regexp_extract(file_path, '\.D(\d{2})9999\.', 1)::int, 1, 1)
        end)"""

DELIVERIES_SQL = f"""
select
    family,
    {PERIOD_MONTH_SQL} as month,
    count(distinct file_path) filter (where status = 'loaded') as new_files,
    count(distinct file_path) filter (where status = 'replaced') as reissued_files,
    count(distinct file_path) filter (where status = 'unchanged') as unchanged_files,
    count(distinct file_path) filter (where status in ('rejected', 'failed')) as rejected_files,
    count(distinct run_id) as runs
from {FILE_LOADS}
group by all
order by family, month nulls last
"""

REJECTED_FILES_SQL = f"""
select family, file_path, status, message, finished_at, attempts
from (
    select
        family, file_path, status, message, finished_at,
        count(*) over (partition by file_path) as attempts,
        row_number() over (
            partition by file_path order by finished_at desc nulls last, started_at desc nulls last
        ) as recency
    from {FILE_LOADS}
    where status in ('rejected', 'failed')
) as attempts_ranked
where recency = 1
order by finished_at desc nulls last, file_path
limit ?
"""

COMPLETENESS_SQL = f"""
with latest_loads as (
    -- the file's latest row that changed its rows; a file purged ('removed') or now a
    -- 'duplicate' of another path carries no rows of its own
    select * from (
        select *
        from {FILE_LOADS}
        where status in ('loaded', 'replaced', 'removed', 'duplicate')
        qualify row_number() over (
            partition by file_path order by finished_at desc nulls last, started_at desc nulls last
        ) = 1
    )
    where status in ('loaded', 'replaced')
),

{{rejects_cte}}

select
    latest_loads.family,
    latest_loads.table_name,
    latest_loads.file_path,
    latest_loads.file_date,
    latest_loads.rows_expected,
    coalesce(latest_loads.rows_loaded, 0) as rows_loaded,
    coalesce(latest_loads.rows_rejected, 0) as rows_rejected,
    coalesce(rejects.rejected_records, 0) as rejected_records
from latest_loads
left join rejects
    on rejects.load_id = latest_loads.load_id
    and rejects.file_path = latest_loads.file_path
order by latest_loads.family, latest_loads.file_date, latest_loads.file_path
"""
_REJECTS_FROM_TABLE = f"""rejects as (
    select load_id, file_path, count(*) as rejected_records
    from {REJECTED_RECORDS}
    group by all
)"""
_REJECTS_EMPTY = """rejects as (
    select null::varchar as load_id, null::varchar as file_path, 0::bigint as rejected_records
    where false
)"""

MEDICAL_TREND_SQL = f"""
select
    date_trunc('month', claim_start_date)::date as month,
    coalesce(claim_type, 'undetermined') as series,
    count(*) as claim_lines,
    sum(paid_amount)::double as paid_amount,
    count(distinct person_id) as persons
from {MEDICAL_CLAIM}
where claim_start_date is not null
group by all
order by month, series
"""

PHARMACY_TREND_SQL = f"""
select
    date_trunc('month', dispensing_date)::date as month,
    'pharmacy' as series,
    count(*) as claim_lines,
    sum(paid_amount)::double as paid_amount,
    count(distinct person_id) as persons
from {PHARMACY_CLAIM}
where dispensing_date is not null
group by all
order by month
"""

_ENROLLED_SQL = """
with spans as (
    select {person} as person, {start}::date as span_start, {end}::date as span_end
    from {relation}
    where {start} is not null
),

bounds as (
    select
        date_trunc('month', least(
            max(coalesce(span_end, span_start)),
            greatest(max(span_start), current_date)
        ))::date as last_month,
        date_trunc('month', min(span_start))::date as first_month
    from spans
),

months as (
    select unnest(generate_series(
        greatest(first_month, (last_month - interval {max_back} month)::date),
        last_month,
        interval 1 month
    ))::date as month
    from bounds
    where first_month <= last_month
)

select months.month, count(distinct spans.person) as persons
from months
left join spans
    on spans.span_start <= last_day(months.month)
    and coalesce(spans.span_end, date '9999-12-31') >= months.month
group by all
order by months.month
"""

ELIGIBILITY_ENROLLED_SQL = _ENROLLED_SQL.format(
    person="person_id",
    start="enrollment_start_date",
    end="enrollment_end_date",
    relation=ELIGIBILITY,
    max_back=MAX_MONTHS - 1,
)
ALR_ENROLLED_SQL = _ENROLLED_SQL.format(
    person="current_bene_mbi_id",
    start="coalesce(try_cast(bene_member_month as date), enrollment_start_date)",
    end="coalesce(last_day(try_cast(bene_member_month as date)), enrollment_end_date)",
    relation=ALR_ENROLLMENT,
    max_back=MAX_MONTHS - 1,
)

ATTRIBUTION_SQL = f"""
with attributed as (
    select
        year_month,
        coalesce(payer_attributed_provider_practice, 'unknown') as tin,
        person_id
    from {PROVIDER_ATTRIBUTION}
    where year_month is not null
),

latest as (
    select max(year_month) as year_month from attributed
),

ranked as (
    select
        tin,
        row_number() over (
            order by
                count(distinct person_id) filter (
                    where year_month = (select year_month from latest)
                ) desc,
                count(distinct person_id) desc,
                tin
        ) as tin_rank
    from attributed
    group by tin
)

select
    attributed.year_month,
    case when ranked.tin_rank <= ? then attributed.tin else 'other' end as series,
    min(ranked.tin_rank) as tin_rank,
    count(distinct attributed.person_id) as persons
from attributed
inner join ranked
    on ranked.tin = attributed.tin
group by all
order by attributed.year_month, tin_rank
"""


def deliveries(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(con, DELIVERIES_SQL)


def rejected_files(con: duckdb.DuckDBPyConnection, limit: int = 100) -> list[Row]:
    return fetch(con, REJECTED_FILES_SQL, [limit])


def completeness(con: duckdb.DuckDBPyConnection, *, with_rejects: bool) -> list[Row]:
    """Latest loaded/replaced row per file, with its rejected_records count when available."""
    rejects = _REJECTS_FROM_TABLE if with_rejects else _REJECTS_EMPTY
    return fetch(con, COMPLETENESS_SQL.format(rejects_cte=rejects))


def medical_trend(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(con, MEDICAL_TREND_SQL)


def pharmacy_trend(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(con, PHARMACY_TREND_SQL)


def enrolled_from_eligibility(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(con, ELIGIBILITY_ENROLLED_SQL)


def enrolled_from_alr(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return fetch(con, ALR_ENROLLED_SQL)


def attribution(con: duckdb.DuckDBPyConnection, top_n: int) -> list[Row]:
    return fetch(con, ATTRIBUTION_SQL, [top_n])
