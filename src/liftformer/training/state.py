"""Reading a training checkpoint (``last.pt``) safely: tensors and plain containers only, no code; the names of
the weights files a run writes beside it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from liftformer.errors import CheckpointError
from liftformer.model.base import WindowConfig
from liftformer.model.registry import config_differences, config_from_dict

BEST_FILE, FINAL_FILE, RAW_FILE = "best.safetensors", "final.safetensors", "final_raw.safetensors"  # weights a run writes
WEIGHTS_FILES = (BEST_FILE, FINAL_FILE, RAW_FILE)


def load_training_state(path: Path) -> dict[str, Any]:
    """The state dict saved by :meth:`Trainer.save`, loaded with ``weights_only=True``; a missing or
    foreign file raises :class:`CheckpointError` in one line."""
    if not path.is_file():
        raise CheckpointError(f"{path}: no checkpoint to resume from")
    try:
        with warnings.catch_warnings():  # torch's notes on a pickle protocol it then refuses anyway
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 — unpickling, zip and EOF errors all mean a bad file
        # torch's message spans lines and suggests weights_only=False: keep only its core
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip() and "weights_only" not in ln]
        why = " ".join((lines[0].split(". ")[0] if lines else type(e).__name__).split())[:200]
        raise CheckpointError(f"{path}: not a liftformer training checkpoint (refused: {why})") from None


def load_resume_state(path: Path, model_config: WindowConfig) -> dict[str, Any]:
    """:func:`load_training_state`, refused in one line unless it was saved by a run of ``model_config``."""
    state = load_training_state(path)
    try:
        stored = config_from_dict(state["model_config"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise CheckpointError(f"{path}: not a liftformer training checkpoint ({' '.join(str(e).split())[:200]})") from None
    diff = config_differences(stored, model_config, ignore=())
    if diff:
        raise CheckpointError(f"{path}: checkpoint is from another config ({'; '.join(diff)})")
    return state
