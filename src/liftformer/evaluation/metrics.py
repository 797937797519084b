"""Pose-error metrics, pure functions on numpy arrays or torch tensors of shape (..., J, 3).

All take ``pred`` and ``target`` in the same unit (metres in this package) and return that
unit. ``reduction="mean"`` gives one number; ``"none"`` keeps every frame, averaged over joints
only (shape ``(...)``). They never modify their inputs.

- P1 :func:`mpjpe` — mean per-joint position error.
- P2 :func:`p_mpjpe` — MPJPE after a per-frame similarity Procrustes alignment (scale,
  rotation with the reflection fix, translation) of the prediction to the target.
- :func:`n_mpjpe` — MPJPE after the per-frame least-squares scale of the prediction.
- P3 :func:`mpjve` — mean per-joint velocity error between consecutive frames (the frame axis
  is the third from last): unit per frame, or unit per second when ``fps`` is given.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _check(pred: Array, target: Array, name: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{name}: prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")
    if pred.ndim < 2 or pred.shape[-1] != 3:
        raise ValueError(f"{name}: expected poses (..., J, 3), got {tuple(pred.shape)}")


def _reduce(per_joint: Array, reduction: str) -> Array:
    if reduction == "none":
        return per_joint.mean(-1)
    if reduction == "mean":
        return per_joint.mean()
    raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")


def _norm(x: Array) -> Array:
    return torch.linalg.vector_norm(x, dim=-1) if isinstance(x, torch.Tensor) else np.linalg.norm(x, axis=-1)


def mpjpe(pred: Array, target: Array, reduction: str = "mean") -> Array:
    """P1: mean Euclidean distance between predicted and target joints."""
    _check(pred, target, "mpjpe")
    return _reduce(_norm(pred - target), reduction)


def n_mpjpe(pred: Array, target: Array, reduction: str = "mean") -> Array:
    """MPJPE after scaling each predicted frame by s = <pred, target> / <pred, pred>."""
    _check(pred, target, "n_mpjpe")
    dot = (pred * target).sum(-1).sum(-1)
    sq = (pred * pred).sum(-1).sum(-1)
    scale = dot / (sq + 1e-12) if isinstance(sq, torch.Tensor) else dot / np.maximum(sq, 1e-12)
    return mpjpe(scale[..., None, None] * pred, target, reduction)


def procrustes_align(pred: Array, target: Array) -> Array:
    """``pred`` mapped onto ``target`` by the per-frame best similarity transform.

    Minimises ||s·R·p + t − x||² over scale s > 0, rotation R (det +1, the reflection fixed as
    in Umeyama's method) and translation t, independently for every frame (..., J, 3).
    """
    _check(pred, target, "procrustes_align")
    if isinstance(pred, np.ndarray):
        aligned = _procrustes(torch.from_numpy(np.asarray(pred, np.float64)), torch.from_numpy(np.asarray(target, np.float64)))
        return aligned.numpy().astype(np.result_type(pred.dtype, np.float32))
    return _procrustes(pred.double(), target.double()).to(pred.dtype)


def _procrustes(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    mu_p, mu_x = p.mean(-2, keepdim=True), x.mean(-2, keepdim=True)
    p0, x0 = p - mu_p, x - mu_x
    u, s, vt = torch.linalg.svd(p0.transpose(-1, -2) @ x0)  # SVD of the 3×3 cross-covariance
    v, ut = vt.transpose(-1, -2), u.transpose(-1, -2)
    d = torch.sign(torch.linalg.det(v @ ut))
    fix = torch.ones_like(s)
    fix[..., -1] = torch.where(d == 0, torch.ones_like(d), d)  # no reflections
    rot = v @ (fix[..., :, None] * ut)
    scale = (s * fix).sum(-1) / (p0 * p0).sum((-1, -2)).clamp_min(1e-12)
    return scale[..., None, None] * p0 @ rot.transpose(-1, -2) + mu_x


def p_mpjpe(pred: Array, target: Array, reduction: str = "mean") -> Array:
    """P2: MPJPE after per-frame similarity Procrustes alignment (:func:`procrustes_align`)."""
    _check(pred, target, "p_mpjpe")
    return mpjpe(procrustes_align(pred, target), target, reduction)


def mpjve(pred: Array, target: Array, reduction: str = "mean", fps: float | None = None) -> Array:
    """P3: mean per-joint velocity error over consecutive frames of (..., T, J, 3) sequences.

    Velocities are first differences along the frame axis, so ``"none"`` returns T−1 values.
    Unit: input unit per frame; per second when ``fps`` is given (multiplied by the rate).
    """
    _check(pred, target, "mpjve")
    if pred.ndim < 3 or pred.shape[-3] < 2:
        raise ValueError(f"mpjve: need at least 2 frames along axis -3, got {tuple(pred.shape)}")
    if isinstance(pred, torch.Tensor):
        vp, vt = torch.diff(pred, dim=-3), torch.diff(target, dim=-3)
    else:
        vp, vt = np.diff(pred, axis=-3), np.diff(target, axis=-3)
    err = _reduce(_norm(vp - vt), reduction)
    return err * fps if fps is not None else err
