"""The CCLF subflow through Prefect: CCLF0 reconciliation is a warning, never a failure."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from demo.synthetic.cclf import write_cclf_deliveries
from demo.synthetic.population import make_population
from flows.full_run import full_run
from tests.loading import query

pytestmark = pytest.mark.slow


def _rewrite_cclf0(bundle: Path, transform) -> None:
    with zipfile.ZipFile(bundle) as zf:
        members = [(i, zf.read(i)) for i in zf.infolist()]
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, transform(data) if ".ZC0" in info.filename else data)


def test_cclf0_mismatches_are_warnings_in_ledger_and_summary(prefect_server, store_root: Path, tmp_path: Path) -> None:
    manifest = write_cclf_deliveries(make_population("A1234", n=30, seed=5), store_root, [(2024, 1)], runout=False)
    bundle = store_root / manifest.files[0]

    def wrong_counts(data: bytes) -> bytes:
        lines = data.decode().split("\n")
        lines = [(line[:52] + f"{999:>11}" + line[63:]) if line.startswith("CCLF5") else line for line in lines]
        return "\n".join(line for line in lines if not line.startswith("CCLF6")).encode()

    _rewrite_cclf0(bundle, wrong_counts)
    warehouse = tmp_path / "wh" / "mssp.duckdb"
    state = full_run(families=["cclf"], skip_download=True, run_dbt=False, aco_id="A1234",
                     file_store=str(store_root), output_location=str(warehouse), return_state=True)
    assert state.is_completed(), state.message  # warnings never fail the run
    rows = dict(query(warehouse, """select regexp_extract(file_path, '[.]ZC(.)[YR]', 1), rows_expected
                                    from mssp_meta.file_loads where family = 'cclf'"""))
    assert rows["5"] == 999 and rows["6"] is None and rows["1"] == manifest.rows["parta_claims_header"]
    (message,) = query(warehouse, "select message from mssp_meta.file_loads where file_path like '%.ZC5Y%'")[0]
    assert f"CCLF0 declares 999 records, found {manifest.rows['partb_physicians']}" in message
    (zero,) = query(warehouse, "select message from mssp_meta.file_loads where file_path like '%.ZC0Y%'")[0]
    assert "CCLF0 has no row for CCLF6" in zero
