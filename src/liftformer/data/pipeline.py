"""Training/evaluation windows over many sequences, held as one tensor and gathered in batches.

All sequences are edge-padded and concatenated once; a sample is a start index into that
tensor (plus a flip flag), so a batch is one vectorised gather — no per-sample Python work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence as Seq
from dataclasses import dataclass

import numpy as np
import torch

from liftformer.data.detector_noise import DetectorNoise
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import Skeleton, flip_horizontal
from liftformer.data.virtual_camera import VirtualCameraAugment
from liftformer.data.windows import gather_windows, window_padding


@dataclass(frozen=True)
class InputNoise:
    """Detector-like corruption of 2D inputs: Gaussian jitter plus sparse gross outliers."""

    std: float = 0.0
    outliers: float = 0.0

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        scale = torch.full(x.shape[:-1] + (1,), self.std, device=x.device, dtype=x.dtype)
        if self.outliers > 0:
            scale[torch.rand(scale.shape, device=x.device) < self.outliers] *= 10.0
        return x + scale * torch.randn(x.shape, device=x.device, dtype=x.dtype)


@dataclass(frozen=True)
class MixedNoise:
    """Learned detector noise on a random ``fraction`` of the windows; the rest get ``rest`` (or stay clean).

    Trains one model for both clean-ish 2D (ground truth, good detectors) and a real detector's errors:
    the learned model's systematic joint offsets would otherwise cost accuracy on clean inputs.
    """

    learned: DetectorNoise
    fraction: float
    rest: InputNoise | None = None

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        # both kinds are drawn for every window and one kept by a select: a boolean-mask subset would cost a
        # host synchronisation per batch on a GPU (the learned noise is ~8% of a CPU training step)
        noisy = self.learned.apply(x)
        other = x if self.rest is None else self.rest.apply(x)
        pick = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < self.fraction
        return torch.where(pick, noisy, other)


@dataclass(frozen=True)
class RealDetections:
    """A real detector's 2D for the training sequences, fed instead of the (augmented) input on a random
    ``fraction`` of the windows: the model sees the detector's true, temporally correlated errors.

    ``keypoints``: one (T, J_in, 2) array per sequence, in the sequences' order and length (see
    :func:`~liftformer.data.datasets.pair_detections`). Those windows keep the dataset camera's 3D
    targets and get no virtual camera and no synthetic noise.
    """

    keypoints: list[np.ndarray]
    fraction: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"real-detection fraction must be in [0, 1], got {self.fraction:g}")


def subset_sequences(sequences: Seq[Sequence], fraction: float, seed: int = 0) -> list[Sequence]:
    """Keep a random contiguous ``fraction`` of every sequence (VideoPose3D's ``--subset``)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"subset fraction must be in (0, 1], got {fraction}")
    if fraction == 1.0:
        return list(sequences)
    rng = np.random.default_rng(seed)
    out = []
    for s in sequences:
        n = max(1, round(s.num_frames * fraction))
        a = int(rng.integers(0, s.num_frames - n + 1))
        out.append(
            Sequence(s.subject, s.action, s.camera, s.keypoints[a : a + n],
                     None if s.positions_3d is None else s.positions_3d[a : a + n], s.fps,
                     None if s.trajectory is None else s.trajectory[a : a + n], s.up)
        )
    return out


def _pad_concat(arrays: Seq[np.ndarray], before: int, after: int) -> torch.Tensor:
    """Edge-replicate every (T, J, C) array along time, concatenate, as float32."""
    padded = [np.pad(a, ((before, after), (0, 0), (0, 0)), mode="edge") for a in arrays]
    return torch.from_numpy(np.concatenate(padded).astype(np.float32))


class WindowDataset:
    """Every (target frame, flip) window of a list of sequences with 3D targets.

    ``downsample=k`` keeps every k-th frame as a target; the windows themselves stay at the
    sequence's native frame rate. ``flip=(input_skeleton, output_skeleton)`` doubles the set
    with the horizontal mirror of every window (2D and 3D flipped, left/right swapped).

    ``targets="centre"``: the 3D pose of each window's target frame, (B, 1, J_out, 3), for the
    centre head. ``targets="sequence"``: the 3D poses of every window frame, (B, N, J_out, 3),
    for the sequence head; the 3D is edge-padded and gathered exactly like the 2D.

    ``noise`` (:class:`InputNoise`, the learned
    :class:`~liftformer.data.detector_noise.DetectorNoise`, or :class:`MixedNoise`) corrupts the 2D inputs of every batch like a detector
    would, drawn from torch's global generator (saved and restored on resume).

    ``cameras`` (:class:`~liftformer.data.virtual_camera.VirtualCameraAugment`) re-projects
    windows through random virtual cameras before the flip and the noise (2D layout = 3D layout).

    ``real`` (:class:`RealDetections`) swaps in a real detector's 2D on a random fraction of the windows.
    """

    def __init__(
        self,
        sequences: Seq[Sequence],
        receptive_field: int,
        causal: bool = False,
        flip: tuple[Skeleton, Skeleton] | None = None,
        downsample: int = 1,
        device: str | torch.device = "cpu",
        noise: InputNoise | DetectorNoise | MixedNoise | None = None,
        targets: str = "centre",
        cameras: VirtualCameraAugment | None = None,
        real: RealDetections | None = None,
    ) -> None:
        if not sequences:
            raise ValueError("no sequences to build windows from")
        if any(s.positions_3d is None for s in sequences):
            raise ValueError("training/evaluation windows need 3D targets for every sequence")
        if downsample < 1:
            raise ValueError(f"downsample must be >= 1, got {downsample}")
        if targets not in ("centre", "sequence"):
            raise ValueError(f"targets must be 'centre' or 'sequence', got {targets!r}")
        self.receptive_field = receptive_field
        self.flip = flip
        self.noise = noise
        self.target_mode = targets
        before, after = window_padding(receptive_field, causal)
        lengths = np.array([s.num_frames for s in sequences])
        in_offsets = np.concatenate([[0], np.cumsum(lengths + before + after)[:-1]])
        out_offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        frames = [np.arange(0, n, downsample) for n in lengths]
        starts = np.concatenate([o + f for o, f in zip(in_offsets, frames)])
        target_index = np.concatenate([o + f for o, f in zip(out_offsets, frames)])
        self.device = torch.device(device)
        self.inputs = _pad_concat([s.keypoints for s in sequences], before, after).to(self.device)
        if targets == "sequence":  # padded like the inputs, gathered with the same start indices
            self.targets = _pad_concat([s.targets for s in sequences], before, after).to(self.device)
        else:
            self.targets = torch.from_numpy(
                np.concatenate([s.targets for s in sequences]).astype(np.float32)
            ).to(self.device)
        self.starts = torch.from_numpy(starts).to(self.device)
        self.target_index = torch.from_numpy(target_index).to(self.device)
        self.num_windows = len(starts)
        self.cameras = None if cameras is None else cameras.bind(sequences, before, after, receptive_field, self.device)
        self.real_fraction = 0.0 if real is None else real.fraction
        self.real_inputs = None
        if real is not None and real.fraction > 0:
            shapes = [k.shape for k in real.keypoints]
            if shapes != [s.keypoints.shape for s in sequences]:
                raise ValueError("real detections must match the sequences one to one, with the same shapes")
            self.real_inputs = _pad_concat(real.keypoints, before, after).to(self.device)

    def __len__(self) -> int:
        return self.num_windows * (2 if self.flip else 1)

    def get(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Windows (B, N, J_in, 2) and targets (B, 1 or N, J_out, 3) for sample indices in [0, len)."""
        indices = indices.to(self.device)
        base = indices % self.num_windows
        x = gather_windows(self.inputs, self.starts[base], self.receptive_field)
        if self.target_mode == "sequence":
            y = gather_windows(self.targets, self.starts[base], self.receptive_field)
        else:
            y = self.targets[self.target_index[base]].unsqueeze(1)
        pick = None
        if self.real_inputs is not None:  # a select, not a mask: no host synchronisation on a GPU
            pick = torch.rand(len(base), 1, 1, 1, device=self.device) < self.real_fraction
            x_real, y_real = gather_windows(self.real_inputs, self.starts[base], self.receptive_field), y
        if self.cameras is not None:
            x, y = self.cameras.apply(x, y, self.starts[base])
        if pick is not None:
            x, y = torch.where(pick, x_real, x), torch.where(pick, y_real, y)
        if self.flip is not None:
            # mirror the flipped samples with a select, not a boolean mask: no host synchronisation on a GPU
            flipped = (indices >= self.num_windows).view(-1, 1, 1, 1)
            skel_in, skel_out = self.flip
            x = torch.where(flipped, flip_horizontal(x, skel_in), x)
            y = torch.where(flipped, flip_horizontal(y, skel_out), y)
        if self.noise is not None:
            x = self.noise.apply(x) if pick is None else torch.where(pick, x, self.noise.apply(x))
        return x, y

    def batches(
        self,
        batch_size: int,
        shuffle: bool = True,
        generator: torch.Generator | None = None,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of batches; with ``world_size`` > 1 each rank takes its share of each batch.

        Every rank draws the same permutation (same generator state), so the shards are
        disjoint and together cover the epoch (a final batch smaller than ``world_size`` is
        dropped so that all ranks take the same number of steps). ``drop_last`` drops the
        ragged final batch, so every step has the same shape (a compiled step never recompiles);
        the permutation is new each epoch, so no window is left out for good.

        The permutation is drawn on the CPU (the generator's stream, as before) and moved to the
        data's device once per epoch; each batch's gather then runs there.
        """
        order = torch.randperm(len(self), generator=generator) if shuffle else torch.arange(len(self))
        order = order.to(self.device)
        for i in range(0, len(order), batch_size):
            chunk = order[i : i + batch_size]
            if len(chunk) < world_size or (drop_last and len(chunk) < batch_size):  # world_size: DDP steps together
                break
            yield self.get(chunk[rank::world_size])
