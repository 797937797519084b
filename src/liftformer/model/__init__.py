"""Model: the LiftFormer network, the VideoPose3D TCN baseline, their configurations and checkpoints."""

from liftformer.model.base import ArchSpec, WindowConfig, WindowModel
from liftformer.model.liftformer import LiftFormer, LiftFormerConfig
from liftformer.model.registry import ARCHS, build_model
from liftformer.model.tcn import TCNConfig, TemporalConvNet

__all__ = [
    "ARCHS",
    "ArchSpec",
    "LiftFormer",
    "LiftFormerConfig",
    "TCNConfig",
    "TemporalConvNet",
    "WindowConfig",
    "WindowModel",
    "build_model",
]
