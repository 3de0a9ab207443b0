"""The ``MSSP_*`` settings: the only place the pipeline reads its environment.

Read from the process environment, then ``.env`` (contract §3). Built once in
``flows.full_run`` and passed down; a bad value raises ``ConfigError`` naming the setting.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tasks.errors import ConfigError
from tasks.families import FAMILIES

OutputType = Literal[
    "DUCKDB", "PARQUET", "MOTHERDUCK", "SNOWFLAKE", "BIGQUERY", "DATABRICKS", "REDSHIFT", "FABRIC"
]
DownloadMode = Literal["incremental", "full", "skip"]
DEMO_ACO_ID = "A9999"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MSSP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    aco_id: str | None = Field(None, pattern=r"^[A-Z]\d{4}$", description="ACO id, e.g. A1234")
    file_store: str = "./data/store"
    output_type: OutputType = "DUCKDB"
    output_location: str = "./data/mssp.duckdb"
    temp_location: str = "./data/tmp"
    full_refresh: bool = False
    start_year: int = Field(default_factory=lambda: dt.date.today().year - 1, ge=2012, le=2100)
    download_mode: DownloadMode = "incremental"
    families: Annotated[tuple[str, ...], NoDecode] = FAMILIES
    run_dbt: bool = True
    datahub_cli: str = "acoms-cli"
    parallelism: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    datahub_api_key: SecretStr | None = None
    datahub_api_secret: SecretStr | None = None
    datahub_secret_block: str | None = None
    store_block: str | None = None
    warehouse_block: str | None = None
    snowflake_host: str | None = None
    snowflake_port: int | None = None
    snowflake_protocol: str | None = None
    include_weekly_cclf: bool = False
    max_expansion_ratio: int = Field(200, ge=1)

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
}


def load_settings(**overrides: object) -> Settings:
    """Build settings from env/.env plus explicit overrides; ConfigError on a bad value."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        hint = _FIELD_HINTS.get(name, error["msg"])
        raise ConfigError(f"MSSP_{name.upper()}", hint) from None
