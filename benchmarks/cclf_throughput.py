"""CCLF parse+load throughput against a DuckDB whole-line baseline, measured in the same run.

    uv run python benchmarks/cclf_throughput.py [--records 500000]

The baseline is the Tuva loader's approach: DuckDB reads each line whole as one VARCHAR and
cuts the columns with ``substring`` into a table (no validation, no ledger, no rejects).
Ours is the pipeline's own path for one CCLF5 file: catalog, sha256, record-length
validation, numpy/Arrow cutting (one batch ahead of the insert, in its own thread), one
transaction with the ledger row. Each side runs in its own process so peak RSS is its own;
module imports count on both sides. Prints rows/s for both, their ratio and peak RSS. Other
work on the machine slows the two-thread baseline more than ours: run it several times.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAME = "P.A1234.ACO.ZC5Y24.D240115.T1112205"


def generate(path: Path, records: int) -> None:
    import random

    from demo.synthetic.cclf import RecordWriter

    rng = random.Random(5)
    writer = RecordWriter("CCLF5")
    templates = [writer.line({
        "clm_line_num": str(rng.randrange(1, 9)), "bene_mbi_id": f"1AA{rng.randrange(10**7, 10**8)}",
        "clm_type_cd": "71", "clm_from_dt": "2024-01-05", "clm_thru_dt": "2024-01-05", "clm_pos_cd": "11",
        "clm_line_hcpcs_cd": rng.choice(["99213", "99214", "80053"]),
        "clm_line_cvrd_pd_amt": f" {rng.randrange(100, 99999):011d}.{rng.randrange(100):02d}",
        "rndrg_prvdr_npi_num": str(rng.randrange(10**9, 2 * 10**9)), "clm_cntl_num": f"CN{rng.randrange(10**9)}",
        "clm_dgns_1_cd": "E119", "clm_dgns_2_cd": "I10", "dgns_prcdr_icd_ind": "0"}) for _ in range(997)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="\n") as fh:
        for i in range(records):
            fh.write(f"{i:013d}" + templates[i % 997][13:] + "\n")


def run_ours(store: Path, out: Path) -> int:
    from tasks.backends import open_backend
    from tasks.catalog import build_catalog
    from tasks.ingest import ingest_entry
    from tasks.store import Store

    store_obj = Store(str(store))
    backend = open_backend("DUCKDB", str(out))
    backend.prepare()
    (entry,) = build_catalog(store_obj, out.parent / "tmp").entries
    outcome = ingest_entry(entry, store_obj, backend, run_id="bench", temp_dir=out.parent / "tmp")
    backend.close()
    assert outcome.status == "loaded", outcome.message
    return outcome.rows_loaded


def run_baseline(store: Path, out: Path) -> int:
    import duckdb

    from tasks.layouts import fixed_width_layout

    (path,) = [p for p in store.rglob(NAME)]
    columns = ", ".join(f"trim(substring(line, {f.start}, {f.length})) as {f.name}"
                        for f in fixed_width_layout("CCLF5").fields)
    con = duckdb.connect(str(out))
    con.execute(f"""create table partb_physicians as select {columns}
                    from read_csv('{path}', columns={{'line': 'VARCHAR'}}, delim='\\x1f', quote='',
                                  escape='', header=false, auto_detect=false)""")
    (rows,) = con.execute("select count(*) from partb_physicians").fetchone()
    con.close()
    return rows


def child(mode: str, store: Path, out: Path) -> None:
    start = time.perf_counter()
    rows = (run_ours if mode == "ours" else run_baseline)(store, out)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss": peak}))


def measure(mode: str, store: Path, workdir: Path) -> dict[str, float]:
    out = workdir / f"{mode}.duckdb"
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--store", str(store), "--out", str(out)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=500_000)
    p.add_argument("--child", choices=["ours", "baseline"])
    p.add_argument("--store", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    if args.child:
        child(args.child, args.store, args.out)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store = work / "store"
        t = time.perf_counter()
        generate(store / "A1234" / "2024" / "113" / NAME, args.records)
        size = (store / "A1234" / "2024" / "113" / NAME).stat().st_size
        print(f"generated {args.records:,} CCLF5 records ({size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
        base = measure("baseline", store, work)
        ours = measure("ours", store, work)
    assert base["rows"] == ours["rows"] == args.records
    for label, r in (("baseline (DuckDB whole-line substring)", base), ("ours (validated, ledger)", ours)):
        print(f"{label:<40} {r['rows'] / r['seconds']:>12,.0f} rows/s  {r['seconds']:7.2f} s  "
              f"peak RSS {r['peak_rss'] / 2**20:,.0f} MiB")
    print(f"ratio ours/baseline: {base['seconds'] / ours['seconds']:.2f}")


if __name__ == "__main__":
    main()
