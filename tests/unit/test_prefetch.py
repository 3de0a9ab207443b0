"""The parser runs a batch ahead in its own thread: same items, same errors, bounded, always joined."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tasks.parsers.prefetch import Prefetch


def test_items_arrive_in_order_and_side_effects_are_visible_after():
    seen: list[int] = []

    def source() -> Iterator[int]:
        for i in range(50):
            seen.append(i)
            yield i

    with Prefetch(source(), depth=2) as items:
        assert list(items) == list(range(50))
    assert seen == list(range(50))


def test_parser_error_is_raised_in_the_consumer_after_the_items_before_it():
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("bad record layout")

    got = []
    with pytest.raises(ValueError, match="bad record layout"), Prefetch(source()) as items:
        for item in items:
            got.append(item)
    assert got == [1, 2]


def test_worker_runs_at_most_depth_items_ahead():
    produced: list[int] = []

    def source() -> Iterator[int]:
        for i in range(100):
            produced.append(i)
            yield i

    with Prefetch(source(), depth=1) as items:
        it = iter(items)
        assert next(it) == 0
        time.sleep(0.3)  # let the worker run as far as the queue allows (a bound, not a timing check)
        # item 0 taken, one item queued, one more produced and blocked on the full queue
        assert len(produced) <= 3


def test_stopping_early_stops_the_worker_and_closes_the_source():
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    with Prefetch(source(), depth=1) as items:
        for item in items:
            if item == 3:
                break
    assert closed.is_set()
    assert not any(t.name == "mssp-parse" and t.is_alive() for t in threading.enumerate())


def test_consumer_error_stops_the_worker():
    def source() -> Iterator[int]:
        yield from range(10_000)

    prefetch = Prefetch(source(), depth=1)
    with pytest.raises(RuntimeError), prefetch as items:
        for _ in items:
            raise RuntimeError("insert failed")
    assert not prefetch._thread.is_alive()
