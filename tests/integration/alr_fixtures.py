"""Small synthetic raw ALR tables for the dbt/alr integration tests.

``RawAlr`` collects rows the way the loader writes them (contract §4: text columns, then
``file_path, file_name, directory_name, file_date, file_row_number, load_id``) and writes
them into a DuckDB file. All values are synthetic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb

from tasks.families import ALR_TABLES
from tasks.ledger import LEDGER_DDL, RAW_METADATA_COLUMNS

ID7 = [
    "bene_mbi_id",
    "bene_hic_num",
    "bene_1st_name",
    "bene_last_name",
    "bene_sex_cd",
    "bene_brth_dt",
    "bene_death_dt",
]
RAW_COLUMNS: dict[str, list[str]] = {
    ALR_TABLES["1"]: ID7
    + ["assignment_type", "new_enrollee", "lti_status"]
    + [f"enrollflag{n}" for n in range(1, 13)]
    + ["hcc_version", "hcc_col_1", "bene_rsk_r_scre_01", "esrd_score", "bene_race_cd"],
    ALR_TABLES["2"]: ID7 + ["master_id", "b_em_line_cnt_t"],
    ALR_TABLES["4"]: ID7 + ["master_id", "npi_used", "pcs_count"],
    ALR_TABLES["5"]: ID7 + ["plur_r05", "ab_r01", "hmo_r03", "no_us_r02", "mdm_r04", "nofnd_r06"],
    ALR_TABLES["6"]: ID7 + ["va_selection_only"],
    ALR_TABLES["9"]: [
        "bene_mbi_id",
        "adi_natrank",
        "bene_lis_status",
        "bene_dual_status",
        "bene_psnyrs_lis_dual",
        "bene_psnyrs",
    ],
    "beneficiary_xref": [
        "hicn_mbi_xref_ind",
        "crnt_num",
        "prvs_num",
        "prvs_id_efctv_dt",
        "prvs_id_obslt_dt",
        "bene_rrb_num",
    ],
}
ALL_ENROLLED = ["1"] * 12


@dataclass(frozen=True)
class AlrFile:
    """One ALR delivery (all its tables share aco, period and stamps)."""

    aco: str
    report: str  # QALR / AALR
    period: str | None  # 2025Q1, Y2024, or None (initial / old quarterly)
    d_stamp: str  # 259999 or a real yymmdd
    t_stamp: str  # 7 digits

    def name(self, table: int) -> str:
        period = f"{self.period}." if self.period else ""
        return f"P.{self.aco}.ACO.{self.report}.{period}D{self.d_stamp}.T{self.t_stamp}_1-{table}.csv"

    @property
    def store_year(self) -> str:
        if self.report == "QALR" and self.period:
            return self.period[:4]
        return str(2000 + int(self.d_stamp[:2]))

    def path(self, table: int) -> str:
        zip_name = self.name(table).rsplit("_1-", 1)[0]
        return f"{self.aco}/{self.store_year}/ALR/{zip_name}/{self.name(table)}"

    @property
    def file_date(self) -> dt.date | None:
        if self.d_stamp.endswith("9999"):
            return None
        return dt.datetime.strptime(self.d_stamp, "%y%m%d").date()


def quarterly(aco: str, period: str, t_stamp: str = "0100000", d_stamp: str | None = None) -> AlrFile:
    return AlrFile(aco, "QALR", period, d_stamp or f"{period[2:4]}9999", t_stamp)


def benchmark(aco: str, year: int, performance_year: int, t_stamp: str = "0500000") -> AlrFile:
    return AlrFile(aco, "AALR", f"Y{year}", f"{performance_year % 100:02d}9999", t_stamp)


def initial(aco: str, performance_year: int, t_stamp: str = "0100000") -> AlrFile:
    return AlrFile(aco, "AALR", None, f"{performance_year % 100:02d}9999", t_stamp)


@dataclass
class RawAlr:
    rows: dict[str, list[dict[str, str | None]]] = field(default_factory=lambda: defaultdict(list))
    meta: dict[str, list[tuple[object, ...]]] = field(default_factory=lambda: defaultdict(list))
    ledger: list[tuple[object, ...]] = field(default_factory=list)

    def _add(
        self,
        table: str,
        file: AlrFile | None,
        number: int,
        values: dict[str, str | None],
        name: str | None = None,
        path: str | None = None,
        file_date: dt.date | None = None,
    ) -> None:
        rows = self.rows[table]
        file_name = name or (file.name(number) if file else "")
        file_path = path or (file.path(number) if file else file_name)
        row_number = sum(1 for m in self.meta[table] if m[1] == file_name) + 1
        rows.append(values)
        self.meta[table].append(
            (
                file_path,
                file_name,
                file_path.rsplit("/", 1)[0],
                file_date if file_date else (file.file_date if file else None),
                row_number,
                "fixture",
            )
        )

    def bene(
        self,
        file: AlrFile,
        mbi: str,
        flags: Sequence[str | None] = ALL_ENROLLED,
        **values: str | None,
    ) -> None:
        """A Table 1-1 row."""
        row: dict[str, str | None] = {
            "bene_mbi_id": mbi,
            "bene_brth_dt": "01/02/1950",
            "bene_sex_cd": "1",
        }
        row.update({f"enrollflag{n}": flag for n, flag in enumerate(flags, start=1)})
        row.update(values)
        self._add(ALR_TABLES["1"], file, 1, row)

    def tin(self, file: AlrFile, mbi: str, master_id: str, count: str) -> None:
        self._add(
            ALR_TABLES["2"],
            file,
            2,
            {"bene_mbi_id": mbi, "master_id": master_id, "b_em_line_cnt_t": count},
        )

    def npi(self, file: AlrFile, mbi: str, master_id: str, npi: str, count: str) -> None:
        self._add(
            ALR_TABLES["4"],
            file,
            4,
            {"bene_mbi_id": mbi, "master_id": master_id, "npi_used": npi, "pcs_count": count},
        )

    def turnover(self, file: AlrFile, mbi: str, **flags: str) -> None:
        self._add(ALR_TABLES["5"], file, 5, {"bene_mbi_id": mbi, **flags})

    def assignable(self, file: AlrFile, mbi: str, va_selection_only: str) -> None:
        self._add(ALR_TABLES["6"], file, 6, {"bene_mbi_id": mbi, "va_selection_only": va_selection_only})

    def underserved(self, file: AlrFile, mbi: str, adi_natrank: str) -> None:
        self._add(ALR_TABLES["9"], file, 9, {"bene_mbi_id": mbi, "adi_natrank": adi_natrank})

    def header_only(self, file: AlrFile, table: int = 1) -> None:
        """A delivered file without records: a ledger row only."""
        self.ledger.append((file.path(table), ALR_TABLES[str(table)], file.file_date))

    def xref(self, prvs: str, crnt: str, file_name: str, file_date: dt.date) -> None:
        self._add(
            "beneficiary_xref",
            None,
            9,
            {
                "hicn_mbi_xref_ind": "M",
                "crnt_num": crnt,
                "prvs_num": prvs,
                "prvs_id_efctv_dt": "2024-01-01",
            },
            name=file_name,
            path=f"CCLF/{file_name}",
            file_date=file_date,
        )

    def write(self, database: str, skip_tables: Iterable[str] = ()) -> None:
        with duckdb.connect(database) as con:
            for statement in LEDGER_DDL:
                con.execute(statement)
            meta_columns = ", ".join(f"{n} {t}" for n, t in RAW_METADATA_COLUMNS)
            for table, columns in RAW_COLUMNS.items():
                if table in skip_tables or table not in self.rows:
                    continue
                column_sql = ", ".join(f"{c} VARCHAR" for c in columns)
                con.execute(f"CREATE TABLE raw_data.{table} ({column_sql}, {meta_columns})")
                placeholders = ", ".join("?" for _ in range(len(columns) + 6))
                con.executemany(
                    f"INSERT INTO raw_data.{table} VALUES ({placeholders})",
                    [
                        [row.get(c) for c in columns] + list(meta)
                        for row, meta in zip(self.rows[table], self.meta[table], strict=True)
                    ],
                )
            ledger_rows = [
                (m[0], "alr", table, m[3])
                for table, metas in self.meta.items()
                if table != "beneficiary_xref"
                for m in {(m[0], m[1], m[2], m[3]) for m in metas}
            ] + [(path, "alr", table, date) for path, table, date in self.ledger]
            con.executemany(
                "INSERT INTO mssp_meta.file_loads (load_id, file_path, family, table_name,"
                " file_date, rows_loaded, status) VALUES ('fixture', ?, ?, ?, ?, 0, 'loaded')",
                ledger_rows,
            )
