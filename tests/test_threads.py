"""liftformer.threads.prefetched: the same items in order, the producer's error in its place, an early stop clean."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from liftformer.errors import DataError
from liftformer.threads import prefetched


def test_items_come_in_order_from_another_thread() -> None:
    makers: set[str] = set()

    def items() -> Iterator[int]:
        for i in range(50):
            makers.add(threading.current_thread().name)
            yield i

    assert list(prefetched(items(), size=3)) == list(range(50))
    assert makers == {"prefetch"}


def test_the_producers_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise DataError("clip.mp4: cannot decode frame 2")

    got = []
    with pytest.raises(DataError, match="frame 2"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_stops_the_producer_and_closes_its_source() -> None:
    state = {"made": 0, "closed": False}

    def items() -> Iterator[int]:
        try:
            while True:
                state["made"] += 1
                yield state["made"]
        finally:
            state["closed"] = True

    stream = prefetched(items(), size=2)
    assert next(stream) == 1 and next(stream) == 2
    stream.close()
    assert state["closed"] and state["made"] <= 2 + 2 + 1  # at most the queue's worth ahead, and the one in hand
    assert not [t for t in threading.enumerate() if t.name == "prefetch"]
