"""Model weights in safetensors with the config (and its arch) in the header; atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_model, save_model

from liftformer.errors import CheckpointError
from liftformer.fileio import atomic_write
from liftformer.model.registry import ModelConfig, build_model, config_differences, config_from_dict, config_to_dict

CONFIG_KEY = "liftformer_config"
__all__ = ["CONFIG_KEY", "config_differences", "load_weights", "read_config", "save_weights"]


def save_weights(model: nn.Module, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write ``model``'s weights and config to a ``.safetensors`` file, atomically."""
    meta = {CONFIG_KEY: json.dumps(config_to_dict(model.config)), **(metadata or {})}
    atomic_write(path, lambda tmp: save_model(model, tmp, metadata=meta))


def read_config(path: str | os.PathLike) -> ModelConfig:
    """The config stored in a weights file's header."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except (OSError, SafetensorError) as e:
        raise CheckpointError(f"{path}: cannot read weights file ({e})") from None
    if CONFIG_KEY not in meta:
        raise CheckpointError(f"{path}: not a liftformer weights file (no '{CONFIG_KEY}' in its header)")
    try:
        return config_from_dict(json.loads(meta[CONFIG_KEY]))
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: invalid model config in header ({e})") from None


def load_weights(
    path: str | os.PathLike,
    expected: ModelConfig | None = None,
    device: str | torch.device = "cpu",
) -> nn.Module:
    """Build the model (LiftFormer or TCN) of a weights file; if ``expected`` is given, the configs must agree."""
    if not Path(path).is_file():
        raise CheckpointError(f"{path}: no such weights file")
    config = read_config(path)
    if expected is not None:
        diff = config_differences(config, expected)
        if diff:
            raise CheckpointError(f"{path}: checkpoint is from another config ({'; '.join(diff)})")
    model = build_model(config)
    try:
        load_model(model, str(path), strict=True, device=str(device))
    except (RuntimeError, SafetensorError) as e:
        raise CheckpointError(f"{path}: weights do not fit the stored config ({e})") from None
    return model.to(device)
