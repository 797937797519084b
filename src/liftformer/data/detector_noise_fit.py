"""Fit a :class:`~liftformer.data.detector_noise.DetectorNoise` from paired ground-truth and detected 2D.

Inputs are sequences of (T, J, 2) normalised screen coordinates at the training frame rate. The
data are fitted together with their horizontal mirror, so the model is left/right symmetric,
as flip augmentation needs. Steps, per sequence and joint, lengths in units of the person's
2D size ``s`` (per-frame RMS spread of the ground-truth joints):

1. swaps: a limb pair is swapped in a frame when exchanging its two detections lowers their
   summed error by more than ``swap_margin`` × the pair's ground-truth separation; swapped
   detections are exchanged back before the next steps;
2. offset: least squares of the error on (v, perp(v), 1) over frames with error < ``threshold``;
3. outliers: frames whose residual exceeds ``threshold``; their rate, mean run length and size;
4. inliers: covariance, lag-1 autocorrelation of the whitened residual, and the distribution of
   its RMS over windows of ``window`` frames (the per-window amplitude factor).
"""

from __future__ import annotations

from collections.abc import Sequence as Seq

import numpy as np

from liftformer.data.detector_noise import DetectorNoise
from liftformer.data.skeleton import H36M_17, Skeleton

# The joint whose vector to each H36M-17 joint carries its systematic offset: the skeleton
# parent, except the pelvis (from the thorax) and the head (from the thorax: nose→head is short).
H36M_REFERENCE = (8, 0, 1, 2, 0, 4, 5, 0, 0, 8, 8, 8, 11, 12, 8, 14, 15)
LEVELS = 21  # quantiles stored per table


def person_scale(x: np.ndarray) -> np.ndarray:
    """(..., J, 2) → (...,): RMS distance of the joints from their centroid."""
    return np.sqrt(((x - x.mean(-2, keepdims=True)) ** 2).sum(-1).mean(-1))


def _quantiles(values: np.ndarray, fallback: float) -> np.ndarray:
    if len(values) < 10:
        return np.full(LEVELS, fallback)
    return np.quantile(values, np.linspace(0.001, 0.999, LEVELS))


def _run_stats(on: list[np.ndarray]) -> tuple[float, float]:
    """Covered fraction and mean run length of boolean (T,) arrays."""
    frames = sum(int(o.sum()) for o in on)
    total = sum(len(o) for o in on)
    onsets = sum(int(o[0]) + int((o[1:] & ~o[:-1]).sum()) for o in on if len(o))
    return frames / max(total, 1), frames / onsets if onsets else 1.0


def fit_detector_noise(
    ground_truth: Seq[np.ndarray],
    detected: Seq[np.ndarray],
    skeleton: Skeleton = H36M_17,
    reference: Seq[int] = H36M_REFERENCE,
    threshold: float = 0.5,
    swap_margin: float = 0.5,
    window: int = 27,
    info: dict | None = None,
) -> DetectorNoise:
    """Fit the noise model from paired sequences (T_i, J, 2); see the module docstring."""
    if len(ground_truth) != len(detected) or not ground_truth:
        raise ValueError("need the same positive number of ground-truth and detected sequences")
    j = skeleton.num_joints
    perm = skeleton.flip_permutation
    pairs = tuple(zip(skeleton.joints_left, skeleton.joints_right))
    ref = list(reference)
    seqs = []
    for g, d in zip(ground_truth, detected):
        if g.shape != d.shape or g.shape[1:] != (j, 2):
            raise ValueError(f"sequence shapes differ or are not (T, {j}, 2): {g.shape} vs {d.shape}")
        for mirror in (False, True):
            gg, dd = np.asarray(g, np.float64), np.asarray(d, np.float64)
            if mirror:
                gg, dd = gg[:, perm] * [-1, 1], dd[:, perm] * [-1, 1]
            seqs.append((gg, dd.copy()))
    # 1. swaps
    swap_on: list[list[np.ndarray]] = [[] for _ in pairs]
    for g, d in seqs:
        for k, (a, b) in enumerate(pairs):
            direct = np.linalg.norm(d[:, a] - g[:, a], axis=-1) + np.linalg.norm(d[:, b] - g[:, b], axis=-1)
            cross = np.linalg.norm(d[:, a] - g[:, b], axis=-1) + np.linalg.norm(d[:, b] - g[:, a], axis=-1)
            sw = cross < direct - swap_margin * np.linalg.norm(g[:, a] - g[:, b], axis=-1)
            d[sw, a], d[sw, b] = d[sw, b].copy(), d[sw, a].copy()
            swap_on[k].append(sw)
    swap = [_run_stats(on) for on in swap_on]
    # 2. offsets: e/s = a·u + b·perp(u) + c, u = v/s
    scale = [np.maximum(person_scale(g), 1e-9)[:, None, None] for g, _ in seqs]
    err = np.concatenate([(d - g) / s for (g, d), s in zip(seqs, scale)])
    u = np.concatenate([(g - g[:, ref]) / s for (g, _), s in zip(seqs, scale)])
    bias = np.zeros((j, 4))
    for jj in range(j):
        keep = np.linalg.norm(err[:, jj], axis=-1) < threshold
        ux, uy = u[keep, jj, 0], u[keep, jj, 1]
        one, zero = np.ones_like(ux), np.zeros_like(ux)
        design = np.concatenate([np.stack([ux, -uy, one, zero], 1), np.stack([uy, ux, zero, one], 1)])
        target = np.concatenate([err[keep, jj, 0], err[keep, jj, 1]])
        bias[jj] = np.linalg.lstsq(design, target, rcond=None)[0]
    pred = bias[:, :1] * u + bias[:, 1:2] * np.stack([-u[..., 1], u[..., 0]], -1) + bias[:, 2:]
    res = err - pred  # (N, J, 2)
    size = np.linalg.norm(res, axis=-1)
    out = size > threshold
    # 3. outliers (run statistics per sequence)
    bounds = np.cumsum([0] + [len(g) for g, _ in seqs])
    per_seq = [slice(bounds[i], bounds[i + 1]) for i in range(len(seqs))]
    outlier = [_run_stats([out[s, jj] for s in per_seq]) for jj in range(j)]
    outlier_size = np.stack([_quantiles(size[out[:, jj], jj], threshold) for jj in range(j)])
    # 4. inliers
    chol = np.zeros((j, 2, 2))
    rho = np.zeros(j)
    spread = np.ones((j, LEVELS))
    for jj in range(j):
        inl = ~out[:, jj]
        r = res[inl, jj]
        cov = np.cov(r.T) if len(r) > 2 else np.zeros((2, 2))
        chol[jj] = np.linalg.cholesky(cov + 1e-12 * np.eye(2))
        z = np.full((len(res), 2), np.nan)
        z[inl] = np.linalg.solve(chol[jj], r.T).T
        lag = [(z[s][:-1] * z[s][1:]).sum(-1) for s in per_seq]
        lag_all = np.concatenate(lag)
        if np.isfinite(lag_all).any():
            rho[jj] = float(np.clip(np.nanmean(lag_all) / 2.0, -0.99, 0.99))  # E[z·z'] = 2ρ for unit 2D z
        rms = []
        for s in per_seq:
            zs = z[s]
            for w0 in range(0, len(zs) - window + 1, window):
                chunk = zs[w0 : w0 + window]
                ok = np.isfinite(chunk[:, 0])
                if ok.sum() >= window // 2:
                    rms.append(np.sqrt((chunk[ok] ** 2).sum(-1).mean() / 2.0))
        if len(rms) >= 10:
            table = _quantiles(np.asarray(rms), 1.0)
            spread[jj] = table / np.sqrt(np.mean(table**2))
    meta = {
        "skeleton": skeleton.name, "units": "lengths relative to the person's 2D RMS spread s (per frame)",
        "threshold": threshold, "swap_margin": swap_margin, "window": window, "levels": "evenly spaced 0.001..0.999",
        "frames": int(len(err)), "sequences_with_mirrors": len(seqs), **(info or {}),
    }
    return DetectorNoise(
        reference=tuple(ref), bias=bias, chol=chol, rho=rho, spread=spread,
        outlier_rate=np.array([o[0] for o in outlier]), outlier_length=np.array([o[1] for o in outlier]),
        outlier_size=outlier_size, pairs=pairs,
        swap_rate=np.array([sw[0] for sw in swap]), swap_length=np.array([sw[1] for sw in swap]), info=meta,
    )
