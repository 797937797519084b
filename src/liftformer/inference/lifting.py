"""Lift a whole 2D keypoint sequence to 3D: batched sliding windows, optional flip TTA.

A centre-head model runs one window per frame. A sequence-head model predicts every frame of
a window, so windows are stitched: by default non-overlapping (stride N), overlapping windows
(stride < N) are averaged frame by frame. The TCN baseline is fully convolutional: the padded
sequence runs through it in long chunks, which gives the same poses as one window per frame.
"""

from __future__ import annotations

import numpy as np
import torch

from liftformer.data.skeleton import Skeleton, flip_horizontal
from liftformer.data.windows import pad_sequence, sliding_windows
from liftformer.model import LiftingModel

Flip = tuple[Skeleton, Skeleton] | None


def predict_poses(
    model: LiftingModel,
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
    model: LiftingModel,
    windows: torch.Tensor,
    flip: tuple[Skeleton, Skeleton] | None = None,
) -> torch.Tensor:
    """Pose (B, J_out, 3) of each window's target frame (centre, or last when causal); flip TTA as
    in :func:`predict_poses`. A sequence-head model's other frames are discarded."""
    pred = predict_poses(model, windows, flip)
    return pred[:, 0] if pred.shape[1] == 1 else pred[:, model.config.output_index]


def window_starts(num_frames: int, receptive_field: int, stride: int) -> torch.Tensor:
    """First frames of the windows that tile [0, T) with ``stride``; the last window may overhang T."""
    count = -(-max(num_frames - receptive_field, 0) // stride) + 1
    return torch.arange(count) * stride


def _check_keypoints(model: LiftingModel, keypoints: np.ndarray | torch.Tensor) -> torch.Tensor:
    cfg = model.config
    kp = torch.as_tensor(keypoints, dtype=torch.float32)
    if kp.dim() != 3 or kp.shape[1:] != (cfg.num_joints_in, 2):
        raise ValueError(f"expected keypoints (T, {cfg.num_joints_in}, 2), got {tuple(kp.shape)}")
    if not torch.isfinite(kp).all():
        raise ValueError("keypoints contain NaN or infinite values")
    return kp


def _check_stride(model: LiftingModel, stride: int | None) -> int:
    """The sequence head's window stride (default N); the centre head takes none."""
    cfg = model.config
    if stride is None:
        return cfg.receptive_field
    if cfg.head != "sequence":
        raise ValueError("stride applies only to a sequence-head model (the centre head runs one window per frame)")
    if not 1 <= stride <= cfg.receptive_field:
        raise ValueError(f"stride must be in [1, {cfg.receptive_field}], got {stride}")
    return stride


def _lift_centre(model: LiftingModel, kp: torch.Tensor, batch_size: int, flip: Flip, device: torch.device) -> torch.Tensor:
    """One window per frame (edge-padded; past-only when causal), target frame of each."""
    cfg = model.config
    windows = sliding_windows(kp, cfg.receptive_field, cfg.causal)
    out = [
        predict_windows(model, windows[i : i + batch_size].to(device), flip).float().cpu()
        for i in range(0, len(windows), batch_size)
    ]
    return torch.cat(out)


def _lift_convolutional(model: LiftingModel, kp: torch.Tensor, batch_size: int, flip: Flip, device: torch.device) -> torch.Tensor:
    """TCN: the sequence padded as for sliding windows, run in chunks of ``batch_size · N`` output
    frames (each chunk with its N − 1 frames of context): every output is one window's pose."""
    n = model.config.receptive_field
    padded = pad_sequence(kp, n, model.config.causal)
    chunk = max(batch_size, 1) * n
    out = [
        predict_poses(model, padded[i : i + chunk + n - 1].unsqueeze(0).to(device), flip)[0].float().cpu()
        for i in range(0, len(kp), chunk)
    ]
    return torch.cat(out)


def _lift_stitched(
    model: LiftingModel, kp: torch.Tensor, batch_size: int, flip: Flip, device: torch.device, stride: int
) -> torch.Tensor:
    """Sequence head: windows every ``stride`` frames from frame 0, the tail edge-padded to fill
    the last window; each frame's predictions from all windows covering it are averaged."""
    cfg = model.config
    n, t = cfg.receptive_field, len(kp)
    starts = window_starts(t, n, stride)
    length = int(starts[-1]) + n
    padded = torch.cat([kp, kp[-1:].expand(length - t, *kp.shape[1:])])
    windows = padded.unfold(0, n, stride).movedim(-1, 1)  # (K, N, J_in, 2)
    frames = starts.unsqueeze(1) + torch.arange(n)  # (K, N) frame of every output
    total = torch.zeros(length, cfg.num_joints_out, 3)
    for i in range(0, len(windows), batch_size):
        pred = predict_poses(model, windows[i : i + batch_size].to(device), flip).float().cpu()
        total.index_add_(0, frames[i : i + batch_size].flatten(), pred.flatten(0, 1))
    counts = torch.zeros(length).index_add_(0, frames.flatten(), torch.ones(frames.numel()))
    return (total / counts[:, None, None])[:t]


@torch.inference_mode()
def lift_sequence(
    model: LiftingModel,
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
    stride = _check_stride(model, stride)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        if model.config.arch == "tcn":
            out = _lift_convolutional(model, kp, batch_size, flip, device)
        elif model.config.head == "centre":
            out = _lift_centre(model, kp, batch_size, flip, device)
        else:
            out = _lift_stitched(model, kp, batch_size, flip, device, stride)
    finally:
        model.train(was_training)
    return out.numpy()
