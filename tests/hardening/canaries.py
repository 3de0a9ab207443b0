"""Canary PHI (an MBI, a name, a birth date) and a canary secret planted in synthetic files.

The canaries sit in good records (a CCLF8 record, an ALR 1-1 row) and in malformed records
(a too-long CCLF8 record, an ALR row with an extra field, a broken BNEX XML document), so
both the load path and the reject path run over them. None of them may ever appear in
stdout, stderr, Prefect logs or artifacts, the report, or ledger messages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tasks.families import ALR_TABLES, CCLF_TABLES
from tests.hardening.bad_inputs import ACO, cclf0_text, cclf_lines, folder, write, zip_of

MBI = "8KW2HT4XP61"
FIRST_NAME = "ZEPHYRINE"
LAST_NAME = "QUIXBAUMER"
BIRTH_DATE = dt.date(1924, 2, 29)  # outside the generator's 1930-1957 range
SECRET = "sk-canary-7f3e9b2d1c5a"
API_KEY = "key-canary-41d8cd98f0"
PHI_CANARIES = (MBI, FIRST_NAME, LAST_NAME, f"{BIRTH_DATE:%Y%m%d}", BIRTH_DATE.isoformat(),
                f"{BIRTH_DATE:%m/%d/%Y}")
SECRET_CANARIES = (SECRET, API_KEY)


@dataclass
class Canaries:
    rows: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)  # store-relative paths holding canaries
    rejected_files: list[str] = field(default_factory=list)


def write_canaries(store_root: Path) -> Canaries:
    out = Canaries()
    person = {"bene_mbi_id": MBI, "bene_1st_name": FIRST_NAME, "bene_last_name": LAST_NAME,
              "bene_dob": BIRTH_DATE, "bene_sex_cd": "2"}
    (good,) = cclf_lines("CCLF8", [person])
    bad = f"{good}{MBI} {FIRST_NAME} {LAST_NAME}"  # longer than the layout: a rejected record
    stem = f"P.{ACO}.ACO.ZC{{t}}Y24.D240815.T700000{{t}}"
    rel = write(store_root, f"{folder('113')}/P.{ACO}.ACO.ZCY24.D240815.T7000000.zip", zip_of([
        (stem.format(t="0"), cclf0_text([f"CCLF8  |Beneficiary Demographics File|          2|  {len(good)} "])),
        (stem.format(t="8"), f"{good}\n{bad}\n".encode()),
    ]))
    out.rows[CCLF_TABLES["8"]] += 1
    out.rows[CCLF_TABLES["0"]] += 1
    out.files += [f"{rel}/{stem.format(t='0')}", f"{rel}/{stem.format(t='8')}"]

    birth = f"{BIRTH_DATE:%m/%d/%Y}"
    csv = (f"BENE_MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,BENE_BRTH_DT\r\n{MBI},{FIRST_NAME},{LAST_NAME},{birth}\r\n"
           f'{MBI},"{FIRST_NAME}",{LAST_NAME},{birth},{MBI}\r\n"{MBI}\r\n').encode()
    stem = f"P.{ACO}.ACO.QALR.2024Q4.D249999.T0400000"
    rel = write(store_root, f"{folder('131')}/{stem}", zip_of([(f"{stem}_1-1.csv", csv)]))
    out.rows[ALR_TABLES["1"]] += 1
    out.files.append(f"{rel}/{stem}_1-1.csv")

    xml = (f'<?xml version="1.0"?>\n<PFDCACOBeneData><Header><HeaderCode>H</HeaderCode></Header>\n'
           f"<Beneficiarys><Beneficiary><MBI>{MBI}</MBI><FirstName>{FIRST_NAME}</FirstName>"
           f"<LastName>{LAST_NAME} <DOB>{BIRTH_DATE:%Y%m%d}</DOB></Beneficiary>").encode()
    rel = write(store_root, f"{folder('114')}/P.{ACO}.BNEX.R24.D240912.T1420364.xml", xml)
    out.rejected_files.append(rel)
    return out
