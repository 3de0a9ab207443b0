"""The demo's settings: a synthetic ACO served by the fake Data Hub client, loaded into local DuckDB.

Only the settings live here (``tasks`` never imports ``demo/``); the flows generate the data.
"""

from __future__ import annotations

from pathlib import Path

from tasks.settings import DEMO_ACO_ID

DEMO_ROOT = Path("data/demo")
DEMO_FIRST_YEAR = 2024


def demo_overrides() -> dict[str, object]:
    """Settings overrides of a demo run (relative to the working directory)."""
    return {
        "aco_id": DEMO_ACO_ID,
        "file_store": str(DEMO_ROOT / "store"),
        "output_type": "DUCKDB",
        "output_location": str(DEMO_ROOT / "mssp.duckdb"),
        "temp_location": str(DEMO_ROOT / "tmp"),
        "start_year": DEMO_FIRST_YEAR,
        "download_mode": "incremental",
    }
