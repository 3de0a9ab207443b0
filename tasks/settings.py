"""The ``MSSP_*`` settings: the only place the pipeline reads its environment.

Read from the process environment, then ``.env`` (contract §3). Built once in
``flows.full_run`` and passed down; a bad value raises ``ConfigError`` naming the setting.
Each field's ``description`` and ``doc_default`` feed the README's settings table
(``uv run python -m tasks.docs``), so a new setting is documented by declaring it here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tasks.errors import ConfigError
from tasks.families import FAMILIES

OutputType = Literal[
    "DUCKDB", "PARQUET", "MOTHERDUCK", "SNOWFLAKE", "BIGQUERY", "DATABRICKS", "REDSHIFT", "FABRIC"
]
DownloadMode = Literal["incremental", "full", "skip"]
DEMO_ACO_ID = "A9999"
ENV_PREFIX = "MSSP_"
# Other names accepted for a setting: Tuva's cms_mssp_pipeline calls the Data Hub client MSSP_CLI_PATH.
ALIASES = {"MSSP_CLI_PATH": "datahub_cli"}
DUCKDB_MEMORY_LIMIT = "512MB"  # benchmarks/full_year.py measures the peak RSS it gives (README Performance)
SIZE_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
              "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}  # as DuckDB reads them
MEMORY_SIZE_PATTERN = r"^\d+(\.\d+)?\s*(" + "|".join(SIZE_UNITS) + ")$"
_UNIT_BYTES = {unit.upper(): size for unit, size in SIZE_UNITS.items()}


def size_in_bytes(size: str) -> float:
    """A memory size as ``MSSP_DUCKDB_MEMORY_LIMIT`` accepts it (``768MB``, ``1.5 GiB``) in bytes."""
    number = size.rstrip("KMGTBikmgtb ")
    unit = size[len(number):].strip().upper()
    return float(number) * _UNIT_BYTES[unit]


LOADER_MEMORY_CAP = "256MB"
"""The loader's DuckDB takes at most this much of ``MSSP_DUCKDB_MEMORY_LIMIT``: it streams each
file in batches, so more memory is only cache. Measured at 50,000 beneficiaries (19M CCLF
records): load stage 187.5 s and 1.17 GiB at 384MB, 206.8 s and 2.02 GiB at 1GB; on 2026-12-05,
load-only runs: 10k 52.9 s and 0.82 GiB at 256MB against 53.5-56.1 s and 1.04-1.13 GiB at 384MB;
50k 166.6 s and 1.03 GiB at 256MB against 174.6 s and 1.16 GiB. The peak is the final checkpoint
at ``close()``: with files loading side by side another transaction is always open, so DuckDB's
automatic checkpoints never run during the load (13 s of the 10k load, 28 s at 50k)."""


def loader_memory_limit(memory_limit: str) -> str:
    """The smaller of the setting and ``LOADER_MEMORY_CAP``."""
    return min(memory_limit, LOADER_MEMORY_CAP, key=size_in_bytes)


def _doc(default: str) -> dict[str, Any]:
    """How the README shows a default that is computed or not a plain value."""
    return {"doc_default": default}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    aco_id: str | None = Field(None, pattern=r"^[A-Z]\d{4}$", json_schema_extra=_doc("none (demo: `A9999`)"),
                               description="ACO id, e.g. `A1234`; required for a real run")
    file_store: str = Field("./data/store", description="local path or `s3://`, `az://` / `abfss://`, `gs://` URL")
    output_type: OutputType = Field("DUCKDB", description="`" + "`, `".join(OutputType.__args__) + "`")  # type: ignore[attr-defined]
    output_location: str = Field("./data/mssp.duckdb", description="DuckDB file, or Parquet root (local or URL); "
                                 "must not lie inside the file store")
    temp_location: str = Field("./data/tmp", description="scratch space; a run removes only its own folder")
    duckdb_memory_limit: str = Field(
        DUCKDB_MEMORY_LIMIT, pattern=MEMORY_SIZE_PATTERN,
        description="memory limit of the embedded DuckDB in the dbt builds (outputs `DUCKDB`, `PARQUET`), and "
                    f"of the loader's up to {LOADER_MEMORY_CAP} (it streams); past it DuckDB spills to disk next "
                    "to the database. dbt's DuckDB gets one worker thread per GiB of it (at least one, at most one "
                    "per core). Raise it for speed on a larger machine, or when a dbt build fails with "
                    "\"DuckDB ran out of memory\"")
    full_refresh: bool = Field(False, description="reload every file from the store; drop rows of files no "
                               "longer there")
    start_year: int = Field(default_factory=lambda: dt.date.today().year - 1, ge=2012, le=2100,
                            json_schema_extra=_doc("current year − 1"),
                            description="first performance year to download")
    download_mode: DownloadMode = Field("incremental", description="`incremental`, `full`, `skip`")
    families: Annotated[tuple[str, ...], NoDecode] = Field(
        FAMILIES, json_schema_extra=_doc("all"), description="comma list: " + ", ".join(f"`{f}`" for f in FAMILIES))
    run_dbt: bool = Field(True, description="build the dbt projects after loading")
    dbt_node_tasks: bool = Field(False, description="run every dbt node as a Prefect task (prefect-dbt) to see "
                                 "each model and test in the UI; costs ~0.1 s per node (40 s on a full ACO "
                                 "year, 1,255 task runs with Tuva). Off: models counted in the dbt progress "
                                 "artifact, failed and warned nodes named in the run summary")
    run_tuva: bool = Field(False, description="also build `dbt/tuva`: the Tuva Project 0.17.x over our Input Layer "
                           "(`dbt deps` from the dbt hub; see docs/tuva.md)")
    tuva_packages_dir: str | None = Field(None, description="offline Tuva: a folder of dbt packages (the_tuva_project "
                                          "and its dependencies) copied into the build instead of `dbt deps`; "
                                          "terminology seeds stay empty")
    tuva_select: str | None = Field(None, description="a dbt selection for `dbt/tuva` only (`--select`), e.g. "
                                    "`+the_tuva_project.core`: the core models and everything upstream, with "
                                    "Tuva's input-layer tests (~740 of ~1,280 nodes; a test runs only if all its "
                                    "parents are selected); unset: build all of Tuva")
    datahub_cli: str = Field(
        "acoms-cli", validation_alias=AliasChoices("MSSP_DATAHUB_CLI", "MSSP_CLI_PATH"),
        description="CMS's ACO-MS Data Hub client (`acoms-cli`, downloaded from the ACO-MS Data Hub portal): "
                    "a path or a name on PATH; `MSSP_CLI_PATH` (Tuva's name) is accepted too")
    parallelism: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64,
                             json_schema_extra=_doc("number of cores"),
                             description="files parsed and loaded at once")
    datahub_api_key: SecretStr | None = Field(None, description="Data Hub API key for local use (secret, never "
                                              "printed)")
    datahub_api_secret: SecretStr | None = Field(None, description="Data Hub API secret for local use (secret, "
                                                 "never printed)")
    datahub_secret_block: str | None = Field(None, description="Prefect `Secret` block with "
                                             "`{\"api_key\": …, \"api_secret\": …}`")
    store_block: str | None = Field(None, description="`AwsCredentials` / `S3Bucket`, Azure or `GcpCredentials` "
                                    "block for a cloud store")
    warehouse_block: str | None = Field(None, description="warehouse connection block")
    include_weekly_cclf: bool = Field(False, description="also catalog Data Hub code 305 (weekly CCLF)")
    max_expansion_ratio: int = Field(200, ge=1, description="a zip member expanding more than this × its "
                                     "compressed size is refused")
    track: Literal["BASIC_A", "BASIC_B", "BASIC_C", "BASIC_D", "BASIC_E", "ENHANCED"] = Field(
        "BASIC_E", description="the ACO's track/level for dbt/mssp's savings estimate (dbt var `mssp_track`)")

    @field_validator("families", mode="before")
    @classmethod
    def _split_families(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
            if value == ["all"]:
                return FAMILIES
        return value

    @field_validator("families")
    @classmethod
    def _known_families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [f for f in value if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown {unknown}; allowed: {', '.join(FAMILIES)}")
        return value

    @property
    def temp_path(self) -> Path:
        return Path(self.temp_location)


_FIELD_HINTS = {
    "output_type": "allowed: " + ", ".join(OutputType.__args__),  # type: ignore[attr-defined]
    "download_mode": "allowed: incremental, full, skip",
    "aco_id": "expected a letter and four digits, e.g. A1234",
    "families": "allowed: " + ", ".join(FAMILIES),
    "duckdb_memory_limit": "expected a size such as 768MB or 2GB",
}


def setting_name(field: str) -> str:
    """``output_type`` -> ``MSSP_OUTPUT_TYPE``."""
    return ENV_PREFIX + field.upper()


def field_of(loc: object) -> str:
    """The field a validation error's location names (an alias such as ``MSSP_CLI_PATH`` included)."""
    name = str(loc)
    if name in ALIASES:
        return ALIASES[name]
    if name.upper().startswith(ENV_PREFIX) and name[len(ENV_PREFIX):].lower() in Settings.model_fields:
        return name[len(ENV_PREFIX):].lower()
    return name


def load_settings(**overrides: object) -> Settings:
    """Build settings from env/.env plus explicit overrides; ConfigError on a bad value."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = field_of(error["loc"][0]) if error["loc"] else "settings"
        hint = _FIELD_HINTS.get(field, error["msg"])
        raise ConfigError(setting_name(field), hint) from None


def known_names() -> set[str]:
    """Every environment name a setting (or a warehouse connection's override) is read from (upper case)."""
    from tasks.backends.connections import CONNECTION_ENV

    return {setting_name(f) for f in Settings.model_fields} | set(ALIASES) | set(CONNECTION_ENV)


def unknown_names(environ: Mapping[str, str], dotenv: Path | None = Path(".env")) -> list[str]:
    """``MSSP_*`` names in the environment or ``.env`` that no setting reads (typos, old names)."""
    names = {k.upper() for k in environ if k.upper().startswith(ENV_PREFIX)}
    if dotenv is not None and dotenv.is_file():
        for line in dotenv.read_text(encoding="utf-8", errors="replace").splitlines():
            key = line.strip().removeprefix("export ").split("=", 1)[0].strip()
            if "=" in line and key.upper().startswith(ENV_PREFIX):
                names.add(key.upper())
    return sorted(names - known_names())
