"""Parsers: one module per source format, each turning one file into row batches plus rejects.

A parser is ``(stream, entry, report) -> Iterator[ParsedBatch]``; it never knows the warehouse.
``PARSERS`` maps a family registry's ``format`` to its parser; modules are imported on first
use, so one format's optional dependency never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module

from tasks.models import ByteStream, CatalogEntry, ParsedBatch, ParseReport
from tasks.parsers.memory_pool import use_system_memory_pool

Parser = Callable[[ByteStream, CatalogEntry, ParseReport], Iterator[ParsedBatch]]

PARSERS: dict[str, tuple[str, str]] = {
    "fixed_width": ("tasks.parsers.fixed_width", "parse_fixed_width"),
    "cclf0": ("tasks.parsers.cclf0", "parse_cclf0"),
    "csv": ("tasks.parsers.delimited", "parse_csv"),
    "xml_bnex": ("tasks.parsers.xml_bnex", "parse_xml_bnex"),
    "xlsx_sheets": ("tasks.parsers.xlsx", "parse_xlsx_sheets"),
    "xlsx_cells": ("tasks.parsers.xlsx", "parse_xlsx_cells"),
}
"""format (``FileKind.format`` in ``tasks.families``) -> (module, function)."""


def parser_for(fmt: str) -> Parser:
    """The parser of a format; ``KeyError`` for a format no parser reads."""
    try:
        module, name = PARSERS[fmt]
    except KeyError:
        raise KeyError(f"no parser for format {fmt!r}") from None
    use_system_memory_pool()
    parser: Parser = getattr(import_module(module), name)
    return parser
