"""User-facing errors: one clear line naming the file and the problem, never a traceback (and :func:`plural` for its counts)."""

from __future__ import annotations


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
