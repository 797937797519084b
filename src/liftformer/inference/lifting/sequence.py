"""Lift a whole 2D keypoint sequence to 3D: batched windows, optional flip TTA.

How a model covers a sequence is its own (:meth:`~liftformer.model.base.WindowModel.lift`): a
centre-head model runs one window per frame; a sequence-head model stitches windows (by default
non-overlapping, stride N; overlapping windows, stride < N, are averaged frame by frame); the TCN
baseline runs the padded sequence through its dilated form in long chunks, which gives the same
poses as one window per frame.
"""

from __future__ import annotations

import numpy as np
import torch

from liftformer.data.skeleton import Skeleton, flip_horizontal
from liftformer.model import WindowModel


def predict_poses(
    model: WindowModel,
    windows: torch.Tensor,
    flip: tuple[Skeleton, Skeleton] | None = None,
) -> torch.Tensor:
    """Model output (B, F, J_out, 3) for windows (B, N, J_in, 2): F = 1 (centre head) or N.

    ``flip=(input_skeleton, output_skeleton)`` averages with the un-flipped prediction of the
    horizontally flipped input (VideoPose3D's test-time augmentation).
    """
    pred = model(windows)
    if flip is not None:
        skel_in, skel_out = flip
        pred_flipped = model(flip_horizontal(windows, skel_in))
        pred = 0.5 * (pred + flip_horizontal(pred_flipped, skel_out))
    return pred


def predict_windows(
    model: WindowModel,
    windows: torch.Tensor,
    flip: tuple[Skeleton, Skeleton] | None = None,
) -> torch.Tensor:
    """Pose (B, J_out, 3) of each window's target frame (centre, or last when causal); flip TTA as
    in :func:`predict_poses`. A sequence-head model's other frames are discarded."""
    pred = predict_poses(model, windows, flip)
    return pred[:, 0] if pred.shape[1] == 1 else pred[:, model.config.output_index]


def _check_keypoints(model: WindowModel, keypoints: np.ndarray | torch.Tensor) -> torch.Tensor:
    cfg = model.config
    kp = torch.as_tensor(keypoints, dtype=torch.float32)
    if kp.dim() != 3 or kp.shape[1:] != (cfg.num_joints_in, 2):
        raise ValueError(f"expected keypoints (T, {cfg.num_joints_in}, 2), got {tuple(kp.shape)}")
    if not torch.isfinite(kp).all():
        raise ValueError("keypoints contain NaN or infinite values")
    return kp


@torch.inference_mode()
def lift_sequence(
    model: WindowModel,
    keypoints: np.ndarray | torch.Tensor,
    batch_size: int = 256,
    flip: tuple[Skeleton, Skeleton] | None = None,
    stride: int | None = None,
) -> np.ndarray:
    """Root-relative 3D poses (T, J_out, 3) for normalised 2D keypoints (T, J_in, 2).

    Centre head: every frame gets a window (edge-replicated at the ends; past-only when the
    model is causal). Sequence head: windows start every ``stride`` frames (1..N, default N:
    non-overlapping, every frame predicted once; smaller strides average the overlapping
    predictions); the last window is filled by repeating the last frame. Windows are run
    through the model ``batch_size`` at a time.
    """
    kp = _check_keypoints(model, keypoints)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = model.lift(kp, lambda x: predict_poses(model, x.to(device), flip).float().cpu(), batch_size, stride)
    finally:
        model.train(was_training)
    return out.numpy()
