"""The model families a checkpoint can hold: LiftFormer (the paper) and the VideoPose3D TCN baseline.

Each family declares everything that differs by family in its own module (its ``SPEC``, an
:class:`~liftformer.model.base.ArchSpec`); this is the one list of them. A config's dict
carries ``arch`` so that a weights file or training checkpoint rebuilds the right network;
dicts without it (older checkpoints) are LiftFormer configs.
"""

from __future__ import annotations

from typing import Any

from liftformer.model.base import ArchSpec, WindowConfig, WindowModel
from liftformer.model.liftformer import SPEC as LIFTFORMER
from liftformer.model.tcn import SPEC as TCN

ARCHS: dict[str, ArchSpec] = {spec.name: spec for spec in (LIFTFORMER, TCN)}  # the first is the default --arch


def config_to_dict(config: WindowConfig) -> dict[str, Any]:
    """The config's fields plus ``arch``."""
    return {"arch": config.arch, **config.to_dict()}


def config_from_dict(d: dict[str, Any]) -> WindowConfig:
    """Inverse of :func:`config_to_dict`; ``ValueError`` for an unknown arch or field."""
    d = dict(d)
    arch = d.pop("arch", LIFTFORMER.name)
    if arch not in ARCHS:
        raise ValueError(f"unknown model arch {arch!r} (known: {', '.join(ARCHS)})")
    return ARCHS[arch].config.from_dict(d)


def build_model(config: WindowConfig) -> WindowModel:
    """A freshly initialised network for ``config``."""
    return ARCHS[config.arch].model(config)


def config_differences(a: WindowConfig, b: WindowConfig, ignore: tuple[str, ...] = ("dropout",)) -> list[str]:
    """Human-readable 'field: a != b' for every shape-defining field that differs."""
    da, db = config_to_dict(a), config_to_dict(b)
    if da["arch"] != db["arch"]:
        return [f"arch: {da['arch']} != {db['arch']}"]
    return [f"{k}: {da[k]} != {db[k]}" for k in da if k not in ignore and da[k] != db[k]]
