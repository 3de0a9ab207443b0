"""A deterministic synthetic ACO population shared by every generated file family.

Every family generator draws from the same ``Population`` so the CCLF claims, the ALR
assignment and the reports name the same (entirely fake) beneficiaries and clinicians.
MBIs follow the CMS MBI character rules so they look real, but are made from a seeded RNG.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # CMS excludes S, L, O, I, B, Z
_FIRST = ["ALEX", "BLAIR", "CASEY", "DREW", "EMERY", "FINLEY", "GRAY", "HAYDEN", "JULES",
          "KENDALL", "LANE", "MORGAN", "NOEL", "OAKLEY", "PARKER", "QUINN", "REESE", "SAGE"]
_LAST = ["ASHFORD", "BRENNAN", "CALDER", "DORSEY", "ELLSWORTH", "FAIRBANKS", "GARRISON",
         "HOLLOWAY", "IVERSON", "JARVIS", "KINCAID", "LANGLEY", "MERCER", "NORWOOD"]
STATES = [("MA", "22", "Boston", "02108"), ("OH", "36", "Columbus", "43004"),
          ("TX", "45", "Austin", "73301"), ("WA", "50", "Seattle", "98101")]


def make_mbi(rng: random.Random) -> str:
    """An 11-character id in the MBI shape (C A AN N A AN N A A N N)."""
    an = _MBI_LETTERS + "0123456789"
    pick = rng.choice
    return "".join([
        pick("123456789"), pick(_MBI_LETTERS), pick(an), pick("0123456789"), pick(_MBI_LETTERS),
        pick(an), pick("0123456789"), pick(_MBI_LETTERS), pick(_MBI_LETTERS),
        pick("0123456789"), pick("0123456789"),
    ])


@dataclass(frozen=True)
class Clinician:
    npi: str  # 10 digits
    tin: str  # 9 digits, often with a leading zero


@dataclass(frozen=True)
class Beneficiary:
    index: int
    mbi: str  # current MBI
    previous_mbi: str | None  # set when CMS re-issued the MBI during the history
    mbi_change_date: dt.date | None
    first_name: str
    last_name: str
    sex: str  # '1' male, '2' female
    race: str
    birth_date: dt.date
    death_date: dt.date | None
    state: tuple[str, str, str, str]
    dual_status: str
    clinician: Clinician

    def mbi_on(self, day: dt.date) -> str:
        """The MBI CMS used for this beneficiary on ``day``."""
        if self.previous_mbi and self.mbi_change_date and day < self.mbi_change_date:
            return self.previous_mbi
        return self.mbi


@dataclass
class Population:
    aco_id: str
    seed: int
    performance_years: tuple[int, ...]
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    clinicians: list[Clinician] = field(default_factory=list)


def make_population(
    aco_id: str = "A9999", n: int = 200, seed: int = 7, performance_years: tuple[int, ...] = (2024, 2025)
) -> Population:
    rng = random.Random(seed)
    tins = [f"0{rng.randrange(10**7, 10**8)}" for _ in range(max(2, n // 80))]
    clinicians = [
        Clinician(npi=str(rng.randrange(10**9, 2 * 10**9)), tin=rng.choice(tins))
        for _ in range(max(3, n // 25))
    ]
    first_year = performance_years[0]
    benes: list[Beneficiary] = []
    seen: set[str] = set()
    for i in range(n):
        mbi = make_mbi(rng)
        while mbi in seen:
            mbi = make_mbi(rng)
        seen.add(mbi)
        previous = None
        change = None
        if rng.random() < 0.05:
            previous = make_mbi(rng)
            while previous in seen:
                previous = make_mbi(rng)
            seen.add(previous)
            change = dt.date(first_year, rng.randrange(2, 12), 1)
        death = dt.date(performance_years[-1], rng.randrange(1, 12), rng.randrange(1, 28)) \
            if rng.random() < 0.03 else None
        benes.append(Beneficiary(
            index=i, mbi=mbi, previous_mbi=previous, mbi_change_date=change,
            first_name=rng.choice(_FIRST), last_name=rng.choice(_LAST),
            sex=rng.choice("12"), race=rng.choice("0123456"),
            birth_date=dt.date(rng.randrange(1930, 1958), rng.randrange(1, 13), rng.randrange(1, 29)),
            death_date=death, state=rng.choice(STATES),
            dual_status=rng.choice(["00", "02", "04", "NA"]), clinician=rng.choice(clinicians),
        ))
    return Population(aco_id, seed, performance_years, benes, clinicians)
