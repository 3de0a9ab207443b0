"""A stream copied into a spooled temporary file: in memory up to a size, then on disk.

Zip archives (nested zips, workbooks) need to seek, and the CSV parser decides the encoding
before its first row. A copy that fails (the temp location full, a read error) closes the file
at once rather than at garbage collection, so no scratch file outlives the error.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from tasks.models import ByteStream

COPY_CHUNK = 1024 * 1024


def spooled_copy(source: ByteStream, temp_dir: Path | None, *, max_memory: int,
                 observe: Callable[[bytes], None] | None = None) -> tempfile.SpooledTemporaryFile[bytes]:
    """Copy ``source`` into a spooled file in ``temp_dir`` (None: the system's); return it rewound.

    ``observe`` sees every chunk as it is copied (one pass over the bytes)."""
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(
        max_size=max_memory, dir=None if temp_dir is None else str(temp_dir))
    try:
        while chunk := source.read(COPY_CHUNK):
            spool.write(chunk)
            if observe is not None:
                observe(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
