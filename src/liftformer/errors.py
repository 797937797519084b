"""User-facing errors: one clear line naming the file and the problem, never a traceback (and :func:`plural` and
:func:`frame_spans` for its counts and frames)."""

from __future__ import annotations

from collections.abc import Sequence


class LiftformerError(Exception):
    """An error caused by user input (a file, a flag, a checkpoint) rather than a bug.

    The CLI prints ``str(error)`` on one line and exits with status 2.
    """


class DataError(LiftformerError):
    """A data file is missing, malformed, or inconsistent with the skeleton."""


class CheckpointError(LiftformerError):
    """A checkpoint cannot be read or does not match the requested model configuration."""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and ``noun`` for a message: ``1 frame``, ``3 frames`` (``nouns``: an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def frame_spans(frames: Sequence[int], most: int = 6) -> str:
    """Frame numbers for a message as runs: ``53-68, 71`` (the first ``most`` runs, then ``…``)."""
    spans: list[list[int]] = []
    for f in sorted(int(f) for f in frames):
        if spans and f == spans[-1][1] + 1:
            spans[-1][1] = f
        else:
            spans.append([f, f])
    text = [str(a) if a == b else f"{a}-{b}" for a, b in spans[:most]]
    return ", ".join(text + (["…"] if len(spans) > most else []))
