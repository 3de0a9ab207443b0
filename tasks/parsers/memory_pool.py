"""Arrow's memory pool for parsing: the system allocator, unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise.

pyarrow's Linux wheels default to mimalloc. Cutting the same 500,000-record CCLF5 file in one
process took 0.6 s in most runs and 1.7-1.8 s (all of it CPU time) in about one run of four with
mimalloc, and a steady 0.62-0.66 s with the system allocator or jemalloc (12 runs). jemalloc kept
more memory after the load (the 10k full year peaked 0.11 GiB higher), so the system allocator.
"""

from __future__ import annotations

import os
from functools import cache

import pyarrow as pa

POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


@cache
def use_system_memory_pool() -> str:
    """Make the system allocator Arrow's default pool (once; an operator's explicit choice wins).
    Buffers already allocated keep the pool they came from. Returns the pool's name."""
    if not os.environ.get(POOL_VARIABLE):
        pa.set_memory_pool(pa.system_memory_pool())
    name: str = pa.default_memory_pool().backend_name
    return name
