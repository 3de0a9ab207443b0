"""Small helpers that build zip containers in memory for tests (synthetic bytes only)."""

from __future__ import annotations

import io
import zipfile

FIXED = (2024, 1, 1, 0, 0, 0)


def zip_bytes(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, FIXED), data, compression)
    return buf.getvalue()
