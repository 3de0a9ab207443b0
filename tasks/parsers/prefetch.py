"""Run a parser one batch ahead of the loader, in its own thread.

Parsing (numpy, Arrow, sha256) and the warehouse insert both release the GIL, so on a
2-core machine cutting batch N+1 while DuckDB stores batch N nearly halves a large file's
time. The queue holds ``depth`` batches, so memory stays bounded by a few batches. Order,
exceptions and the parser's side effects (its ``ParseReport``) reach the consumer exactly as
if the parser ran inline; stopping early (an insert failed, Ctrl-C) stops and joins the thread
before the source stream is closed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.1  # how often a blocked producer checks whether the consumer stopped


class _Done:
    """End of the parser's batches."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """Iterate ``source`` in a worker thread, at most ``depth`` items ahead.

    Use as a context manager: leaving it stops the worker and waits for it, so the stream the
    parser reads stays open while the parser runs.
    """

    def __init__(self, source: Iterator[T], depth: int = 1, name: str = "mssp-parse") -> None:
        self._source = source
        self._queue: queue.Queue[T | _Done | _Failed] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)

    def __enter__(self) -> Prefetch[T]:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop the worker (it may be blocked on a full queue) and wait for it to end."""
        self._stop.set()
        while self._thread.is_alive():
            self._drain()
            self._thread.join(POLL_SECONDS)
        self._drain()

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(_Done())
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Failed(exc))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:  # a generator stopped early runs its cleanup in its own thread
                close()

    def _put(self, item: T | _Done | _Failed) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
