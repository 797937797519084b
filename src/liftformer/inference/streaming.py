"""Real-time lifting with a causal model: one 3D pose out as soon as each 2D frame arrives.

A ring buffer holds the last N frames; before N frames have arrived it is filled with the
first frame, exactly the edge padding that batch lifting uses, so a stream gives the same
numbers as :func:`~liftformer.inference.lifting.lift_sequence` on the whole sequence (for a
centre-head model; a causal sequence-head model streams the pose of its window's last frame).
"""

from __future__ import annotations

import numpy as np
import torch

from liftformer.data.skeleton import Skeleton
from liftformer.inference.lifting import predict_windows
from liftformer.model import LiftingModel


class StreamingLifter:
    """Feed normalised 2D frames (J_in, 2) one at a time with :meth:`push`; get (J_out, 3) back."""

    def __init__(self, model: LiftingModel, flip: tuple[Skeleton, Skeleton] | None = None) -> None:
        if not model.config.causal:
            raise ValueError("streaming needs a causal model (its window holds only past frames)")
        self.model = model.eval()
        self.flip = flip
        cfg = model.config
        self.device = next(model.parameters()).device
        self.buffer = torch.zeros(cfg.receptive_field, cfg.num_joints_in, 2, device=self.device)
        self.count = 0  # frames pushed so far

    def reset(self) -> None:
        """Start a new stream (the next frame is padded as a first frame)."""
        self.count = 0

    @torch.inference_mode()
    def push(self, keypoints: np.ndarray | torch.Tensor) -> np.ndarray:
        """Add one frame (J_in, 2) and return the root-relative 3D pose (J_out, 3) of that frame."""
        cfg = self.model.config
        frame = torch.as_tensor(keypoints, dtype=torch.float32, device=self.device)
        if frame.shape != (cfg.num_joints_in, 2):
            raise ValueError(f"expected one frame of keypoints ({cfg.num_joints_in}, 2), got {tuple(frame.shape)}")
        if not torch.isfinite(frame).all():
            raise ValueError("keypoints contain NaN or infinite values")
        n = cfg.receptive_field
        if self.count == 0:
            self.buffer[:] = frame  # edge padding: the first frame fills the whole past
        else:
            self.buffer[self.count % n] = frame
        self.count += 1
        # oldest → newest: slots count % n … count % n + n - 1 (mod n)
        order = (torch.arange(n, device=self.device) + self.count) % n
        window = self.buffer[order].unsqueeze(0)
        return predict_windows(self.model, window, self.flip)[0].float().cpu().numpy()
