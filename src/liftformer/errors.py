"""User-facing errors: one clear line naming the file and the problem, never a traceback."""

from __future__ import annotations


class LiftformerError(Exception):
    """An error caused by user input (a file, a flag, a checkpoint) rather than a bug.

    The CLI prints ``str(error)`` on one line and exits with status 2.
    """


class DataError(LiftformerError):
    """A data file is missing, malformed, or inconsistent with the skeleton."""


class CheckpointError(LiftformerError):
    """A checkpoint cannot be read or does not match the requested model configuration."""
