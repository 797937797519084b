"""The model families a checkpoint can hold: LiftFormer (the paper) and the VideoPose3D TCN baseline.

A config's dict carries ``arch`` so that a weights file or training checkpoint rebuilds the
right network; dicts without it (older checkpoints) are LiftFormer configs.
"""

from __future__ import annotations

from typing import Any, Union

from torch import nn

from liftformer.model.liftformer import LiftFormer, LiftFormerConfig
from liftformer.model.tcn import TCNConfig, TemporalConvNet

ModelConfig = Union[LiftFormerConfig, TCNConfig]
LiftingModel = Union[LiftFormer, TemporalConvNet]
ARCHS: dict[str, tuple[type, type]] = {
    "liftformer": (LiftFormerConfig, LiftFormer),
    "tcn": (TCNConfig, TemporalConvNet),
}


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """The config's fields plus ``arch``."""
    return {"arch": config.arch, **config.to_dict()}


def config_from_dict(d: dict[str, Any]) -> ModelConfig:
    """Inverse of :func:`config_to_dict`; ``ValueError`` for an unknown arch or field."""
    d = dict(d)
    arch = d.pop("arch", "liftformer")
    if arch not in ARCHS:
        raise ValueError(f"unknown model arch {arch!r} (known: {', '.join(ARCHS)})")
    return ARCHS[arch][0].from_dict(d)


def build_model(config: ModelConfig) -> nn.Module:
    """A freshly initialised network for ``config``."""
    return ARCHS[config.arch][1].from_config(config)


def config_differences(a: ModelConfig, b: ModelConfig, ignore: tuple[str, ...] = ("dropout",)) -> list[str]:
    """Human-readable 'field: a != b' for every shape-defining field that differs."""
    da, db = config_to_dict(a), config_to_dict(b)
    if da["arch"] != db["arch"]:
        return [f"arch: {da['arch']} != {db['arch']}"]
    return [f"{k}: {da[k]} != {db[k]}" for k in da if k not in ignore and da[k] != db[k]]
