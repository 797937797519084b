"""Model weights in safetensors with the config in the header; atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_model, save_model

from liftformer.errors import CheckpointError
from liftformer.fileio import atomic_write
from liftformer.model.liftformer import LiftFormer, LiftFormerConfig

CONFIG_KEY = "liftformer_config"


def save_weights(model: LiftFormer, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write ``model``'s weights and config to a ``.safetensors`` file, atomically."""
    meta = {CONFIG_KEY: json.dumps(model.config.to_dict()), **(metadata or {})}
    atomic_write(path, lambda tmp: save_model(model, tmp, metadata=meta))


def read_config(path: str | os.PathLike) -> LiftFormerConfig:
    """The config stored in a weights file's header."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (OSError, SafetensorError) as e:
        raise CheckpointError(f"{path}: cannot read weights file ({e})") from None
    if CONFIG_KEY not in meta:
        raise CheckpointError(f"{path}: not a liftformer weights file (no '{CONFIG_KEY}' in its header)")
    try:
        return LiftFormerConfig.from_dict(json.loads(meta[CONFIG_KEY]))
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: invalid model config in header ({e})") from None


def config_differences(a: LiftFormerConfig, b: LiftFormerConfig, ignore: tuple[str, ...] = ("dropout",)) -> list[str]:
    """Human-readable 'field: a != b' for every shape-defining field that differs."""
    da, db = a.to_dict(), b.to_dict()
    return [f"{k}: {da[k]} != {db[k]}" for k in da if k not in ignore and da[k] != db[k]]


def load_weights(
    path: str | os.PathLike,
    expected: LiftFormerConfig | None = None,
    device: str | torch.device = "cpu",
) -> LiftFormer:
    """Build a LiftFormer from a weights file; if ``expected`` is given, the configs must agree."""
    if not Path(path).is_file():
        raise CheckpointError(f"{path}: no such weights file")
    config = read_config(path)
    if expected is not None:
        diff = config_differences(config, expected)
        if diff:
            raise CheckpointError(f"{path}: checkpoint is from another config ({'; '.join(diff)})")
    model = LiftFormer.from_config(config)
    try:
        load_model(model, str(path), strict=True, device=str(device))
    except (RuntimeError, SafetensorError) as e:
        raise CheckpointError(f"{path}: weights do not fit the stored config ({e})") from None
    return model.to(device)
