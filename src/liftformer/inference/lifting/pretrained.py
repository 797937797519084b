"""The models shipped inside the package: a centred one for offline lifting, a causal twin for streaming.

Both take Human3.6M-17 2D keypoints (normalised screen coordinates) and predict Human3.6M-17
root-relative 3D in metres. They were trained on Human3.6M, whose licence is non-commercial:
see ``liftformer/weights/MODEL_CARD.md``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch

from liftformer.errors import CheckpointError
from liftformer.inference.lifting.trajectory import Calibration, load_calibration
from liftformer.model import WindowModel
from liftformer.model.checkpoint import load_weights

SHIPPED = {False: "liftformer_h36m_small.safetensors", True: "liftformer_h36m_small_causal.safetensors"}


def shipped_weights_path(causal: bool = False) -> Path:
    """Path of the shipped weights file (centred, or causal for streaming)."""
    return Path(str(resources.files("liftformer.weights").joinpath(SHIPPED[causal])))


def load_model(checkpoint: str | None = None, causal: bool = False, device: str | torch.device = "cpu") -> WindowModel:
    """A user's ``checkpoint`` or the shipped model, in eval mode, checked to take H36M-17 input."""
    path = Path(checkpoint) if checkpoint else shipped_weights_path(causal)
    if checkpoint is None and not path.is_file():
        raise CheckpointError(f"{path}: the shipped weights are missing from this installation; pass --checkpoint")
    model = load_weights(path, device=device).eval()
    cfg = model.config
    if cfg.num_joints_in != 17 or cfg.num_joints_out != 17:
        raise CheckpointError(
            f"{path}: model maps {cfg.num_joints_in} → {cfg.num_joints_out} joints; lifting feeds Human3.6M-17 "
            "keypoints and expects 17 joints out"
        )
    if causal and not cfg.causal:
        raise CheckpointError(f"{path}: streaming needs a causal model (trained with --causal)")
    return model


def load_trajectory(checkpoint: str | None = None, causal: bool = False) -> Calibration:
    """The trajectory calibration of a user's ``checkpoint`` or of the shipped model; one line naming
    ``--no-trajectory`` when the weights file has none."""
    path = Path(checkpoint) if checkpoint else shipped_weights_path(causal)
    calibration = load_calibration(path)
    if calibration is None:
        raise CheckpointError(f"{path}: this model has no trajectory calibration: pass --no-trajectory for root-relative "
                              "poses, or calibrate it (benchmarks/trajectory.py --write-calibration)")
    return calibration
