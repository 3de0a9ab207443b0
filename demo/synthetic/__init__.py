"""Deterministic synthetic ACO deliveries for ``--demo``, tests and benchmarks (no real data)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from demo.synthetic.alr import write_alr_files
from demo.synthetic.cclf import write_cclf_deliveries
from demo.synthetic.population import Population, make_population
from demo.synthetic.reports import Figures, expenditure_figures, write_report_files

DEMO_ACO_ID = "A9999"


@dataclass
class Manifest:
    rows: Counter[str] = field(default_factory=Counter)  # raw table -> expected rows
    files: list[str] = field(default_factory=list)  # CCLF bundle paths
    population: Population | None = None
    figures: Figures = field(default_factory=dict)  # expenditure the QEXPU/AEXPU carry (reports.py)


def demo_months(pop: Population) -> list[tuple[int, int]]:
    first, last = pop.performance_years[0], pop.performance_years[-1]
    return [(first, m) for m in range(1, 13)] + [(last, m) for m in range(1, 4)]


def generate_demo(store_root: Path, *, beneficiaries: int = 200, seed: int = 7,
                  aco_id: str = DEMO_ACO_ID) -> Manifest:
    """The demo ACO: CCLF, ALR and every report family, written into ``store_root``."""
    pop = make_population(aco_id, n=beneficiaries, seed=seed)
    cclf = write_cclf_deliveries(pop, store_root, demo_months(pop))
    figures = expenditure_figures(pop, cclf.paid)
    manifest = Manifest(Counter(cclf.rows), list(cclf.files), pop, figures)
    manifest.rows.update(write_alr_files(pop, store_root))
    manifest.rows.update(write_report_files(pop, store_root, figures))
    return manifest
