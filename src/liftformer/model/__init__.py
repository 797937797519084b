"""Model: the LiftFormer network, its configuration and checkpoints."""

from liftformer.model.liftformer import LiftFormer, LiftFormerConfig

__all__ = ["LiftFormer", "LiftFormerConfig"]
