"""Lift a whole 2D keypoint sequence to 3D: batched sliding windows, optional flip TTA."""

from __future__ import annotations

import numpy as np
import torch

from liftformer.data.skeleton import Skeleton, flip_horizontal
from liftformer.data.windows import sliding_windows
from liftformer.model import LiftFormer


def predict_windows(
    model: LiftFormer,
    windows: torch.Tensor,
    flip: tuple[Skeleton, Skeleton] | None = None,
) -> torch.Tensor:
    """Model output (B, J_out, 3) for windows (B, N, J_in, 2).

    ``flip=(input_skeleton, output_skeleton)`` averages with the un-flipped prediction of the
    horizontally flipped input (VideoPose3D's test-time augmentation).
    """
    pred = model(windows)[:, 0]
    if flip is not None:
        skel_in, skel_out = flip
        pred_flipped = model(flip_horizontal(windows, skel_in))[:, 0]
        pred = 0.5 * (pred + flip_horizontal(pred_flipped, skel_out))
    return pred


@torch.inference_mode()
def lift_sequence(
    model: LiftFormer,
    keypoints: np.ndarray | torch.Tensor,
    batch_size: int = 256,
    flip: tuple[Skeleton, Skeleton] | None = None,
) -> np.ndarray:
    """Root-relative 3D poses (T, J_out, 3) for normalised 2D keypoints (T, J_in, 2).

    Every frame gets a window (edge-replicated at the ends; past-only when the model is
    causal), and windows are run through the model ``batch_size`` at a time.
    """
    cfg = model.config
    kp = torch.as_tensor(keypoints, dtype=torch.float32)
    if kp.dim() != 3 or kp.shape[1:] != (cfg.num_joints_in, 2):
        raise ValueError(f"expected keypoints (T, {cfg.num_joints_in}, 2), got {tuple(kp.shape)}")
    if not torch.isfinite(kp).all():
        raise ValueError("keypoints contain NaN or infinite values")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        windows = sliding_windows(kp, cfg.receptive_field, cfg.causal)
        out = [
            predict_windows(model, windows[i : i + batch_size].to(device), flip).float().cpu()
            for i in range(0, len(windows), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(out).numpy()
