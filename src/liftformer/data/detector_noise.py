"""Detector-like 2D noise learned from real detections: the model, its JSON file, and applying it.

The model describes how a 2D detector's output differs from the ground-truth projection, for
2D inputs in normalised screen units (H36M-17 by default). Every length is relative to the
person's 2D size ``s`` (per frame, the RMS distance of the joints from their centroid), so the
noise follows the person's size in the frame as a crop-based detector's does. Per joint ``j``:

- a systematic offset ``a·v + b·perp(v) + s·c``, with ``v`` the 2D vector from a reference
  joint (the bone towards the joint: detectors place hips, head and thorax differently);
- inlier noise: Gaussian with covariance ``s²·Σ_j``, AR(1) in time (lag-1 correlation ``ρ_j``),
  its amplitude multiplied per window by a factor drawn from an empirical table (heavy tails);
- gross outliers: runs of frames (rate, mean length) displaced by a random direction and a
  magnitude drawn from an empirical table;
- left/right swaps per limb pair: runs of frames in which the two joints exchange positions.

:func:`load_detector_noise` reads the shipped fit (``sh``: Stacked Hourglass on Human3.6M,
fitted by ``benchmarks/fit_detector_noise.py``) or a JSON file; :mod:`.detector_noise_fit` fits one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch

from liftformer.errors import DataError

FORMAT = "liftformer-detector-noise/1"
SHIPPED = ("sh",)


@dataclass(frozen=True)
class DetectorNoise:
    """A fitted detector-noise model (arrays are per joint ``J`` or per limb pair ``K``)."""

    reference: tuple[int, ...]  # (J,) joint whose vector to joint j carries its offset
    bias: np.ndarray  # (J, 4): a, b, cx, cy
    chol: np.ndarray  # (J, 2, 2) lower Cholesky factor of the inlier covariance (s units)
    rho: np.ndarray  # (J,) lag-1 autocorrelation of the inlier noise
    spread: np.ndarray  # (J, Q) quantiles of the per-window amplitude factor (mean square 1)
    outlier_rate: np.ndarray  # (J,) fraction of frames
    outlier_length: np.ndarray  # (J,) mean run length, frames
    outlier_size: np.ndarray  # (J, Q) quantiles of the outlier displacement (s units)
    pairs: tuple[tuple[int, int], ...]  # (K,) left/right joint pairs
    swap_rate: np.ndarray  # (K,) fraction of frames
    swap_length: np.ndarray  # (K,) mean run length, frames
    info: dict[str, Any]  # provenance: source, licence, units, counts (free-form, JSON)

    @property
    def num_joints(self) -> int:
        return len(self.reference)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "info": self.info, "reference": list(self.reference),
                               "pairs": [list(p) for p in self.pairs]}
        for name in _ARRAYS:
            out[name] = np.round(np.asarray(getattr(self, name), dtype=np.float64), 6).tolist()
        return out

    @classmethod
    def from_dict(cls, raw: Any, where: str = "detector noise") -> DetectorNoise:
        """Validate and build; any problem is a one-line :class:`DataError` naming ``where``."""
        try:
            return _from_dict(raw)
        except (KeyError, TypeError, ValueError) as e:
            msg = f"missing field {e}" if isinstance(e, KeyError) else str(e)
            raise DataError(f"{where}: not a valid detector-noise model ({msg})") from None

    def save(self, path: str | Path) -> None:
        from liftformer.fileio import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")

    def apply(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Corrupt clean 2D windows ``x`` (B, T, J, 2) like the detector; returns a new tensor.

        Random numbers come from ``generator`` (drawn on its device) or, without one, from
        torch's global generator on ``x``'s device.
        """
        if x.ndim != 4 or x.shape[-1] != 2 or x.shape[2] != self.num_joints:
            raise ValueError(f"detector noise for {self.num_joints} joints needs (B, T, {self.num_joints}, 2), got {tuple(x.shape)}")
        b, t, j, _ = x.shape
        dev, dt = x.device, x.dtype

        def arr(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.asarray(a), dtype=dt, device=dev)

        def rand(*shape: int) -> torch.Tensor:
            gen_dev = dev if generator is None else generator.device
            return torch.rand(shape, generator=generator, device=gen_dev, dtype=dt).to(dev)

        def randn(*shape: int) -> torch.Tensor:
            gen_dev = dev if generator is None else generator.device
            return torch.randn(shape, generator=generator, device=gen_dev, dtype=dt).to(dev)

        scale = (x - x.mean(2, keepdim=True)).square().sum(-1).mean(-1).sqrt()[..., None, None]  # (B, T, 1, 1)
        v = x - x[:, :, list(self.reference)]
        perp = torch.stack((-v[..., 1], v[..., 0]), -1)
        bias = arr(self.bias)
        out = x + bias[:, :1] * v + bias[:, 1:2] * perp + scale * bias[:, 2:]
        # inlier noise: AR(1) in time (closed-form Cholesky factor), 2x2 covariance, per-window amplitude
        rho = arr(self.rho).clamp(-0.999, 0.999)[:, None, None]  # (J, 1, 1)
        steps = torch.arange(t, device=dev)
        lag = (steps[:, None] - steps[None, :]).to(dt)  # (T, T): t - s
        first = torch.where(steps == 0, torch.ones((), dtype=dt, device=dev), (1 - rho.square()).sqrt())  # (J, 1, T)
        ar = torch.where(lag >= 0, rho.abs().pow(lag.clamp(min=0)) * torch.sign(rho).pow(lag.clamp(min=0)), 0.0) * first
        w = torch.einsum("jts,bsjc->btjc", ar, randn(b, t, j, 2))
        w = torch.einsum("jcd,btjd->btjc", arr(self.chol), w)
        amp = _sample_table(arr(self.spread), rand(b, j))  # (B, J)
        out = out + scale * amp[:, None, :, None] * w
        # gross outliers: runs, one random displacement per window and joint
        mask = _runs(arr(self.outlier_rate), arr(self.outlier_length), rand(b, t, j), rand(b, t, j))
        size = _sample_table(arr(self.outlier_size), rand(b, j))
        angle = rand(b, j) * (2 * math.pi)
        jump = torch.stack((angle.cos(), angle.sin()), -1) * size[..., None]  # (B, J, 2)
        out = out + mask[..., None] * scale * jump[:, None]
        # left/right swaps: runs per limb pair
        if self.pairs:
            k = len(self.pairs)
            swapped = _runs(arr(self.swap_rate), arr(self.swap_length), rand(b, t, k), rand(b, t, k)) > 0
            left, right = [p[0] for p in self.pairs], [p[1] for p in self.pairs]
            sw = swapped[..., None]
            new_left = torch.where(sw, out[:, :, right], out[:, :, left])
            new_right = torch.where(sw, out[:, :, left], out[:, :, right])
            out = out.clone()
            out[:, :, left], out[:, :, right] = new_left, new_right
        return out


_ARRAYS = ("bias", "chol", "rho", "spread", "outlier_rate", "outlier_length", "outlier_size", "swap_rate", "swap_length")


def _sample_table(table: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF sampling: ``table`` (J, Q) quantiles at evenly spaced levels, ``u`` (B, J) uniforms → (B, J)."""
    q = table.shape[-1]
    if q == 1:
        return table[:, 0].expand_as(u)
    pos = u * (q - 1)
    i0 = pos.floor().long().clamp(0, q - 2)
    frac = pos - i0.to(pos.dtype)
    tab = table.unsqueeze(0).expand(u.shape[0], -1, -1)
    lo = tab.gather(2, i0[..., None])[..., 0]
    hi = tab.gather(2, (i0 + 1)[..., None])[..., 0]
    return lo + frac * (hi - lo)


def _runs(rate: torch.Tensor, length: torch.Tensor, u_onset: torch.Tensor, u_len: torch.Tensor) -> torch.Tensor:
    """A 0/1 float mask (B, T, K) of runs covering about ``rate`` of the frames, geometric lengths of mean ``length``.

    Onsets are independent per frame; the first frame starts a run with probability ``rate``
    (a run in progress when the window opens), later frames with ``-log(1 - rate) / length``,
    which keeps the covered fraction at ``rate``. Coverage is a cumulative maximum of run ends.
    """
    t = u_onset.shape[1]
    rate = rate.clamp(0.0, 0.999)
    length = length.clamp(min=1.0)
    later = (-torch.log1p(-rate) / length).clamp(max=1.0)
    steps = torch.arange(t, device=u_onset.device)
    p = torch.where(steps[None, :, None] == 0, rate, later)  # (1, T, K)
    onset = u_onset < p
    stay = 1.0 - 1.0 / length  # P(run continues)
    dur = 1 + torch.floor(torch.log(u_len.clamp_min(1e-12)) / torch.log(stay.clamp(1e-12, 1 - 1e-7)))
    dur = torch.where(length <= 1.0, torch.ones_like(dur), dur)
    end = torch.where(onset, steps[None, :, None].to(dur.dtype) + dur, torch.full_like(dur, -1.0))
    covered = end.cummax(1).values > steps[None, :, None].to(dur.dtype)
    return covered.to(u_onset.dtype)


def _array(raw: dict, name: str, shape: tuple[int | None, ...]) -> np.ndarray:
    a = np.asarray(raw[name], dtype=np.float64)
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        raise ValueError(f"{name} has shape {a.shape}, expected {tuple('Q' if s is None else s for s in shape)}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return a


def _from_dict(raw: Any) -> DetectorNoise:
    if not isinstance(raw, dict):
        raise TypeError(f"expected a JSON object, got {type(raw).__name__}")
    if raw.get("format") != FORMAT:
        raise ValueError(f"format is {raw.get('format')!r}, expected {FORMAT!r}")
    reference = tuple(int(r) for r in raw["reference"])
    j = len(reference)
    pairs = tuple((int(p[0]), int(p[1])) for p in raw["pairs"])
    k = len(pairs)
    if j == 0 or any(not 0 <= r < j for r in reference) or any(not (0 <= a < j and 0 <= b < j and a != b) for a, b in pairs):
        raise ValueError(f"reference/pairs must be joint indices in 0..{j - 1}")
    m = DetectorNoise(
        reference=reference, bias=_array(raw, "bias", (j, 4)), chol=_array(raw, "chol", (j, 2, 2)),
        rho=_array(raw, "rho", (j,)), spread=_array(raw, "spread", (j, None)),
        outlier_rate=_array(raw, "outlier_rate", (j,)), outlier_length=_array(raw, "outlier_length", (j,)),
        outlier_size=_array(raw, "outlier_size", (j, None)), pairs=pairs,
        swap_rate=_array(raw, "swap_rate", (k,)), swap_length=_array(raw, "swap_length", (k,)),
        info=dict(raw.get("info", {})),
    )
    for name in ("outlier_rate", "swap_rate"):
        if not ((getattr(m, name) >= 0) & (getattr(m, name) < 1)).all():
            raise ValueError(f"{name} must lie in [0, 1)")
    for name in ("outlier_length", "swap_length"):
        if (getattr(m, name) < 1).any():
            raise ValueError(f"{name} must be >= 1 frame")
    if (np.abs(m.rho) >= 1).any():
        raise ValueError("rho must lie in (-1, 1)")
    if (m.spread < 0).any() or (m.outlier_size < 0).any() or m.spread.shape[1] == 0 or m.outlier_size.shape[1] == 0:
        raise ValueError("spread and outlier_size must be non-empty tables of values >= 0")
    return m


def load_detector_noise(name_or_path: str) -> DetectorNoise:
    """The shipped model ``name`` (one of :data:`SHIPPED`) or a JSON file; one-line DataError otherwise."""
    if name_or_path in SHIPPED:
        where = f"liftformer/assets/detector_noise_{name_or_path}.json"
        text = resources.files("liftformer.assets").joinpath(f"detector_noise_{name_or_path}.json").read_text()
    else:
        where = name_or_path
        try:
            text = Path(name_or_path).read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise DataError(f"{where}: cannot read the detector-noise model ({e.__class__.__name__}: {e})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(f"{where}: not valid JSON (line {e.lineno}: {e.msg})") from None
    return DetectorNoise.from_dict(raw, where)
