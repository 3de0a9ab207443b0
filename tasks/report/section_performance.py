"""The "ACO performance" section from dbt/mssp: spending against benchmark, claims against CMS,
and the shared-savings estimate with its assumptions.

Aggregates only. A row whose population may be a small cell (fewer than ``MIN_CELL`` persons)
has its amounts withheld, as the other sections do: for CMS's rows the person count is bounded
below by the person years (x4 for a quarter), for the claims by their distinct beneficiaries.
"""

from __future__ import annotations

import math

import duckdb

from tasks.report.model import Section, Table
from tasks.report.privacy import WITHHELD, format_amount, format_count, is_small
from tasks.report.warehouse import relation_exists

SCHEMA = "mssp"
INTRO = (
    "From dbt/mssp. Benchmark and expenditure per capita per year are CMS's own figures (BNMRK, "
    "QEXPU quarterly, AEXPU annual). The reconciliation ratio divides the claims' per capita "
    "(CCLF Parts A and B of the ALR-assigned months) by CMS's: read it as a trend, not an error. "
    "They differ legitimately: recent months lack claims run-out, CMS removes IME/DSH and "
    "uncompensated-care payments, truncates catastrophic claims and applies sequestration, and "
    "its assignment window differs from the ALR months used here."
)
TYPES = ("esrd", "disabled", "aged_dual", "aged_non_dual", "total")


def _relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """``"<catalog>".mssp.<name>``: the demo's file is mssp.duckdb, so ``mssp.x`` is ambiguous."""
    (catalog,) = con.execute("select current_database()").fetchone()  # type: ignore[misc]
    return f'"{catalog}".{SCHEMA}.{name}'


def _persons_lower_bound(person_years: float | None, period: str) -> int | None:
    if person_years is None:
        return None
    return math.ceil(person_years * (4 if "Q" in period else 1))


def _rate(value: float | None) -> str:
    return WITHHELD if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return WITHHELD if value is None else f"{value:.2f}"


def _type_order(enrollment_type: str) -> int:
    return TYPES.index(enrollment_type) if enrollment_type in TYPES else len(TYPES)


def _spending(con: duckdb.DuckDBPyConnection) -> Table:
    rows = con.execute(f"""
        select aco_id, performance_year, period, enrollment_type, person_years, benchmark_per_capita,
               expenditure_per_capita, savings_per_capita
        from {_relation(con, 'benchmark_vs_expenditure')}
        order by aco_id, performance_year, period""").fetchall()
    out: list[tuple[str, ...]] = []
    for aco, year, period, etype, person_years, benchmark, spent, saved in sorted(
            rows, key=lambda r: (r[0], r[1], r[2], _type_order(r[3]))):
        small = is_small(_persons_lower_bound(person_years, period))
        out.append((aco, str(year), period, etype,
                    WITHHELD if small or person_years is None else f"{person_years:,.1f}",
                    WITHHELD if small else format_amount(benchmark),
                    WITHHELD if small else format_amount(spent),
                    WITHHELD if small else format_amount(saved)))
    return Table("Per-capita spending against benchmark (CMS reports)",
                 ("ACO", "Year", "Period", "Enrollment type", "Person years", "Benchmark per capita",
                  "Expenditure per capita", "Benchmark minus expenditure"), out,
                 note="Per capita per year; a row that may describe fewer than 11 persons is withheld.")


def _reconciliation(con: duckdb.DuckDBPyConnection) -> Table:
    rows = con.execute(f"""
        select r.aco_id, r.period, r.enrollment_type, c.beneficiaries, r.cms_expenditure_per_capita,
               r.claims_expenditure_per_capita, r.ratio, r.is_within_band
        from {_relation(con, 'expenditure_reconciliation')} as r
        left join {_relation(con, 'claims_expenditure')} as c
            on c.aco_id = r.aco_id and c.performance_year = r.performance_year
            and c.period = r.period and c.enrollment_type = r.enrollment_type
        where r.period like '%Q%'
        order by r.aco_id, r.period""").fetchall()
    out: list[tuple[str, ...]] = []
    flagged: set[int] = set()
    for aco, period, etype, persons, cms, claims, ratio, within in sorted(
            rows, key=lambda r: (r[0], r[1], _type_order(r[2]))):
        small = persons is None or is_small(persons)
        if within is False and not small:
            flagged.add(len(out))
        out.append((aco, period, etype, format_count(persons) if persons is not None else WITHHELD,
                    WITHHELD if small else format_amount(cms), WITHHELD if small else format_amount(claims),
                    WITHHELD if small else _ratio(ratio)))
    return Table("Claims against CMS per quarter (reconciliation ratio)",
                 ("ACO", "Quarter", "Enrollment type", "Claims persons", "CMS per capita",
                  "Claims per capita", "Ratio"), out, flagged=frozenset(flagged),
                 note="Highlighted: the ratio is outside the configured band (a warning, not a failure).")


def _savings(con: duckdb.DuckDBPyConnection, section: Section) -> Table:
    rows = con.execute(f"""
        select aco_id, performance_year, period, track_level, assigned_beneficiaries, total_benchmark,
               total_expenditure, gross_savings, savings_rate, minimum_savings_rate, is_savings_threshold_met,
               is_loss_threshold_met, final_sharing_rate, estimated_net_payment, assumptions
        from {_relation(con, 'savings_estimate')}
        order by aco_id, performance_year""").fetchall()
    out = []
    for (aco, year, period, track, assigned, benchmark, spent, gross, rate, msr, met, loss_met, sharing,
         net, assumptions) in rows:
        small = is_small(assigned)
        outcome = "savings threshold met" if met else "loss threshold met" if loss_met else "within the corridor"
        out.append((aco, str(year), period, track, format_count(assigned),
                    *(WITHHELD if small else format_amount(v) for v in (benchmark, spent, gross)),
                    WITHHELD if small else _rate(rate), _rate(msr), outcome, _rate(sharing),
                    WITHHELD if small else format_amount(net)))
        section.notes.append(f"Assumptions, {aco} {year}: {assumptions}")
    return Table("Shared savings estimate",
                 ("ACO", "Year", "From", "Track", "Assigned", "Total benchmark", "Total expenditure",
                  "Gross savings", "Savings rate", "MSR/MLR", "Outcome", "Sharing rate", "Estimated payment"),
                 out, note="An estimate from CMS's interim figures, not CMS's reconciliation; "
                           "negative = shared losses owed.")


def performance_section(con: duckdb.DuckDBPyConnection) -> Section:
    """The "ACO performance" section; notes instead of tables when dbt/mssp has not been built."""
    section = Section(key="performance", title="ACO performance", intro=INTRO)
    needed = ("benchmark_vs_expenditure", "claims_expenditure", "expenditure_reconciliation", "savings_estimate")
    missing = [n for n in needed if not relation_exists(con, f"{SCHEMA}.{n}")]
    if missing:
        section.notes.append(f"Not available yet: {', '.join(f'{SCHEMA}.{n}' for n in missing)} "
                             "(dbt/mssp has not been built).")
        return section
    section.tables += [_spending(con), _reconciliation(con), _savings(con, section)]
    return section
