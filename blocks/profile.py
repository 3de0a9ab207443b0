"""``MsspPipelineProfile``: one ACO's non-secret settings, kept on the Prefect server.

No integration package offers a block for "which ACO, which store, which warehouse", and
without one every deployment of every ACO needs its worker's environment (or ``.env``) set
by hand. A profile block names those settings once per ACO; a deployment passes its name as
the ``profile_block`` parameter, and the values override ``MSSP_*`` from the environment
(explicit flow parameters still win). Secrets never go here: the profile names the
``Secret`` / store / warehouse blocks that hold them. Create one with::

    from blocks.profile import MsspPipelineProfile
    MsspPipelineProfile(aco_id="A1234", file_store="s3://acme-mssp/store",
                        output_location="/srv/mssp/a1234.duckdb",
                        datahub_secret_block="mssp-datahub-a1234",
                        store_block="s3-bucket/acme-mssp").save("a1234")

    MsspPipelineProfile.load("a1234").overrides()   # {"aco_id": "A1234", ...}
"""

from __future__ import annotations

from typing import Any

from prefect.blocks.core import Block
from pydantic import Field, field_validator

from tasks.errors import ConfigError
from tasks.families import FAMILIES
from tasks.settings import DownloadMode, OutputType

PROFILE_PARAMETER = "profile_block"


class MsspPipelineProfile(Block):
    """Non-secret ``MSSP_*`` settings of one ACO; unset fields fall back to the environment.

    Example:
        ```python
        from blocks.profile import MsspPipelineProfile
        overrides = MsspPipelineProfile.load("BLOCK_NAME").overrides()
        ```
    """

    _block_type_name = "MSSP Pipeline Profile"
    _block_type_slug = "mssp-pipeline-profile"
    _description = "Non-secret settings of one ACO for the MSSP pipeline (overrides MSSP_* settings)."

    aco_id: str | None = Field(None, pattern=r"^[A-Z]\d{4}$", description="MSSP_ACO_ID: the ACO id.",
                               examples=["A1234"])
    file_store: str | None = Field(None, description="MSSP_FILE_STORE: local path or s3://, az://, gs:// URL.",
                                   examples=["s3://acme-mssp/store", "/srv/mssp/store"])
    output_type: OutputType | None = Field(None, description="MSSP_OUTPUT_TYPE.", examples=["DUCKDB"])
    output_location: str | None = Field(None, description="MSSP_OUTPUT_LOCATION: DuckDB file or Parquet root.",
                                        examples=["/srv/mssp/a1234.duckdb"])
    temp_location: str | None = Field(None, description="MSSP_TEMP_LOCATION: scratch space.",
                                      examples=["/srv/mssp/tmp"])
    start_year: int | None = Field(None, ge=2012, le=2100, description="MSSP_START_YEAR.", examples=[2024])
    download_mode: DownloadMode | None = Field(None, description="MSSP_DOWNLOAD_MODE.", examples=["incremental"])
    families: list[str] | None = Field(None, description="MSSP_FAMILIES: families to process (unset: all).",
                                       examples=[["cclf", "alr"]])
    datahub_cli: str | None = Field(None, description="MSSP_DATAHUB_CLI: the Data Hub client to call.",
                                    examples=["/opt/acoms/acoms-cli"])
    parallelism: int | None = Field(None, ge=1, le=64, description="MSSP_PARALLELISM.", examples=[4])
    datahub_secret_block: str | None = Field(
        None, description="MSSP_DATAHUB_SECRET_BLOCK: name of the Secret with the Data Hub credentials.",
        examples=["mssp-datahub-a1234"])
    store_block: str | None = Field(None, description="MSSP_STORE_BLOCK: the cloud file-store block.",
                                    examples=["s3-bucket/acme-mssp"])
    warehouse_block: str | None = Field(None, description="MSSP_WAREHOUSE_BLOCK: the warehouse block.",
                                        examples=["snowflake-connector/acme"])

    @field_validator("families")
    @classmethod
    def _known_families(cls, value: list[str] | None) -> list[str] | None:
        unknown = [f for f in value or [] if f not in FAMILIES]
        if unknown:
            raise ValueError(f"families: unknown {unknown}; allowed: {', '.join(FAMILIES)}")
        return value

    def overrides(self) -> dict[str, object]:
        """The set fields as ``load_settings`` overrides (families as a comma list)."""
        values: dict[str, Any] = {
            name: getattr(self, name) for name in type(self).model_fields if getattr(self, name) is not None
        }
        if "families" in values:
            values["families"] = ",".join(values["families"])
        return values


def profile_overrides(name: str | None) -> dict[str, object]:
    """Settings overrides from the named profile block ({} for no name); ConfigError if absent."""
    if not name:
        return {}
    try:
        # Block.load is sync here; its sync/async typing also admits a coroutine
        profile: MsspPipelineProfile = MsspPipelineProfile.load(name)  # type: ignore[assignment]
    except ValueError:
        raise ConfigError(PROFILE_PARAMETER, f"no MSSP Pipeline Profile block named {name!r}") from None
    return profile.overrides()
