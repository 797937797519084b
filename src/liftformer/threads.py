"""Overlapping the stages of a video's work: an iterator produced ahead by a background thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetched(items: Iterable[T], size: int = 4) -> Iterator[T]:
    """``items`` in order, produced by a background thread up to ``size`` ahead of the consumer (decoding the next
    frames while this one is worked on; work that releases the GIL, as ffmpeg pipes, numpy and MediaPipe do, runs
    truly at once). An exception of the producer is raised here, in its place in the sequence; a consumer that
    stops early stops the producer (after the item it is making) and closes ``items``."""
    ready: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as error:  # noqa: BLE001 — handed to the consumer, raised there
            put((_DONE, error))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        thread.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()
