"""Model: the LiftFormer network, the VideoPose3D TCN baseline, their configurations and checkpoints."""

from liftformer.model.liftformer import LiftFormer, LiftFormerConfig
from liftformer.model.registry import LiftingModel, ModelConfig, build_model
from liftformer.model.tcn import TCNConfig, TemporalConvNet

__all__ = ["LiftFormer", "LiftFormerConfig", "LiftingModel", "ModelConfig", "TCNConfig", "TemporalConvNet", "build_model"]
