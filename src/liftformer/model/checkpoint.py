"""Model weights in safetensors with the config (and its arch) in the header; atomic writes.

Reading checks the header against the file before allocating anything: a truncated, garbage or
crafted file (malformed config, sizes its tensors cannot fill, NaN weights) is a one-line
:class:`~liftformer.errors.CheckpointError`.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_model, save_model

from liftformer.data.safe_npz import reason
from liftformer.errors import CheckpointError
from liftformer.fileio import atomic_write
from liftformer.model.base import WindowConfig, WindowModel
from liftformer.model.registry import build_model, config_differences, config_from_dict, config_to_dict

CONFIG_KEY = "liftformer_config"
MAX_EXTRA_ELEMENTS = 1 << 24  # buffers a config may add beyond its stored weights (positional encodings)
TRANSFERABLE = ("receptive_field", "causal", "dropout")  # config fields that no weight's shape or name depends on
__all__ = ["CONFIG_KEY", "TRANSFERABLE", "config_differences", "copy_with_metadata", "load_weights", "read_config", "read_metadata",
           "save_weights", "transfer_weights"]


def save_weights(model: WindowModel, path: str | os.PathLike, metadata: dict[str, str] | None = None) -> None:
    """Write ``model``'s weights and config to a ``.safetensors`` file, atomically."""
    meta = {CONFIG_KEY: json.dumps(config_to_dict(model.config)), **(metadata or {})}
    atomic_write(path, lambda tmp: save_model(model, tmp, metadata=meta))


def _read_header(path: str | os.PathLike) -> tuple[dict[str, str], dict[str, tuple[int, ...]]]:
    """The header's metadata and the shape of every stored tensor."""
    try:
        with safe_open(str(path), framework="pt") as f:
            return f.metadata() or {}, {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except (OSError, SafetensorError, ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: cannot read weights file ({' '.join(str(e).split())})") from None


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """The string map in a weights file's header (the config and whatever else was stored with the weights)."""
    return _read_header(path)[0]


def copy_with_metadata(source: str | os.PathLike, target: str | os.PathLike, extra: dict[str, str]) -> None:
    """Write ``source``'s tensors and header to ``target`` (atomically) with ``extra`` added to the header."""
    from safetensors.torch import load_file, save_file

    meta = {**read_metadata(source), **extra}
    tensors = load_file(str(source))
    atomic_write(target, lambda tmp: save_file(tensors, tmp, metadata=meta))


def read_config(path: str | os.PathLike) -> WindowConfig:
    """The config stored in a weights file's header."""
    return _config(path, _read_header(path)[0])


def _config(path: str | os.PathLike, meta: dict[str, str]) -> WindowConfig:
    if CONFIG_KEY not in meta:
        raise CheckpointError(f"{path}: not a liftformer weights file (no '{CONFIG_KEY}' in its header)")
    try:
        return config_from_dict(json.loads(meta[CONFIG_KEY]))
    except Exception as e:  # noqa: BLE001 — JSON, type and range errors all mean a bad header
        raise CheckpointError(f"{path}: invalid model config in header ({reason(e)})") from None


def _check_fits(path: str | os.PathLike, config: WindowConfig, shapes: dict[str, tuple[int, ...]]) -> None:
    """Refuse a config whose network the stored tensors cannot fill, before allocating it."""
    layers = getattr(config, "blocks", 0) + len(getattr(config, "filter_widths", ()))
    if 2 * layers > len(shapes):
        raise CheckpointError(f"{path}: config asks for {layers} layers, the file holds only {len(shapes)} tensors")
    try:
        with torch.device("meta"):
            model = build_model(config)
    except Exception as e:  # noqa: BLE001 — a config the constructors reject
        raise CheckpointError(f"{path}: invalid model config in header ({reason(e)})") from None
    needed = sum(t.numel() for t in (*model.parameters(), *model.buffers()))
    stored = sum(math.prod(shape) for shape in shapes.values())
    if needed > stored + MAX_EXTRA_ELEMENTS:
        raise CheckpointError(f"{path}: config needs {needed} values, the file holds only {stored}")


def load_weights(
    path: str | os.PathLike,
    expected: WindowConfig | None = None,
    device: str | torch.device = "cpu",
) -> WindowModel:
    """Build the model (LiftFormer or TCN) of a weights file; if ``expected`` is given, the configs must agree."""
    if not Path(path).is_file():
        raise CheckpointError(f"{path}: no such weights file")
    meta, shapes = _read_header(path)
    config = _config(path, meta)
    if expected is not None:
        diff = config_differences(config, expected)
        if diff:
            raise CheckpointError(f"{path}: checkpoint is from another config ({'; '.join(diff)})")
    _check_fits(path, config, shapes)
    model = build_model(config)
    try:
        load_model(model, str(path), strict=True, device=str(device))
    except (RuntimeError, SafetensorError, ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: weights do not fit the stored config ({reason(e)})") from None
    bad = next((name for name, t in model.state_dict().items() if t.is_floating_point() and not t.isfinite().all()), None)
    if bad is not None:
        raise CheckpointError(f"{path}: NaN or infinite values in weight '{bad}'")
    return model.to(device)


def transfer_weights(path: str | os.PathLike, target: WindowModel) -> None:
    """Copy a weights file's parameters into ``target`` (fine-tuning): the two configs may differ
    only in :data:`TRANSFERABLE` fields (window length, causal masking, dropout), which no weight's
    shape depends on (LiftFormer's positional encoding is rebuilt from the config, not stored)."""
    source = load_weights(path)
    diff = config_differences(source.config, target.config, ignore=TRANSFERABLE)
    if diff:
        raise CheckpointError(
            f"{path}: cannot start this model from it ({'; '.join(diff)}); only {', '.join(TRANSFERABLE)} may differ"
        )
    try:
        target.load_state_dict(source.state_dict(), strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"{path}: weights do not fit this model ({reason(e)})") from None
