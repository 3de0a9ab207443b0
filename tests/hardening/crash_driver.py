"""Child process of test_crash: load a store as tests/loading.py does, SIGKILL itself at a hook.

    python -m tests.hardening.crash_driver STORE WAREHOUSE RUN_ID

``HX_KILL_HOOK`` names the point and ``HX_KILL_AT`` the call that dies (1-based):

- ``batch``: the parser has produced a batch that is not written yet (mid-parse);
- ``write``: a batch's rows (and rejects) are in the open transaction;
- ``delete``: a re-issued file's old rows are deleted in the open transaction;
- ``ledger``: the ledger row is inserted, the transaction is not committed yet;
- ``before_commit`` / ``after_commit``: around the writer's commit.

Without ``HX_KILL_HOOK`` it loads normally; ``HX_COUNT=1`` prints how often each hook ran.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from pathlib import Path

HOOK = os.environ.get("HX_KILL_HOOK", "")
AT = int(os.environ.get("HX_KILL_AT", "0"))
calls: Counter[str] = Counter()


def tick(point: str) -> None:
    calls[point] += 1
    if point == HOOK and calls[point] == AT:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    from tasks import ingest
    from tasks.backends import duckdb as backend

    real_parser_for = ingest.parser_for

    def parser_for(fmt: str):
        parser = real_parser_for(fmt)

        def counted(source, entry, report):
            for batch in parser(source, entry, report):
                tick("batch")
                yield batch

        return counted

    ingest.parser_for = parser_for
    writer = backend._DuckDBFileWriter
    real_write, real_commit, real_delete = writer.write, writer.commit, writer.delete_previous
    real_insert = backend.DuckDBBackend._insert_ledger

    def write(self, batch):
        real_write(self, batch)
        tick("write")

    def commit(self, outcome):
        tick("before_commit")
        real_commit(self, outcome)
        tick("after_commit")

    def delete_previous(self):
        real_delete(self)
        tick("delete")

    def insert_ledger(self, cur, entry, outcome, ctx):
        real_insert(self, cur, entry, outcome, ctx)
        if outcome.status in ("loaded", "replaced"):  # inside a file's transaction
            tick("ledger")

    writer.write, writer.commit, writer.delete_previous = write, commit, delete_previous
    backend.DuckDBBackend._insert_ledger = insert_ledger


def main(argv: list[str]) -> int:
    from tests.loading import load_store

    store, warehouse, run_id = argv
    install()
    outcomes = load_store(Path(store), Path(warehouse), run_id=run_id)
    if os.environ.get("HX_COUNT"):
        print(dict(calls))
    print(f"DONE {len(outcomes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
