"""The unit every dataset reader produces: one camera view of one recorded sequence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftformer.errors import plural


@dataclass(frozen=True)
class Sequence:
    """One (subject, action, camera) clip, ready for windowing.

    ``keypoints``: (T, J_in, 2) float32 normalised screen coordinates (x in [-1, 1], aspect kept).
    ``positions_3d``: (T, J_out, 3) float32 camera coordinates in metres, root-relative (root
    joint exactly 0), or ``None`` for 2D-only (inference) data. Both have the same T.
    ``trajectory``: (T, 3) the root's camera coordinates in metres, and ``up``: (3,) the world's
    up direction in camera axes, where the dataset knows them (virtual-camera augmentation).
    """

    subject: str
    action: str
    camera: int
    keypoints: np.ndarray
    positions_3d: np.ndarray | None
    fps: float
    trajectory: np.ndarray | None = None
    up: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.keypoints.ndim != 3 or self.keypoints.shape[-1] != 2:
            raise ValueError(f"{self.name}: keypoints must be (T, J, 2), got {self.keypoints.shape}")
        if self.positions_3d is not None:
            if self.positions_3d.ndim != 3 or self.positions_3d.shape[-1] != 3:
                raise ValueError(f"{self.name}: positions_3d must be (T, J, 3), got {self.positions_3d.shape}")
            if len(self.positions_3d) != len(self.keypoints):
                raise ValueError(
                    f"{self.name}: {plural(len(self.keypoints), '2D frame')} but {plural(len(self.positions_3d), '3D frame')}"
                )

    @property
    def name(self) -> str:
        return f"{self.subject}/{self.action}/cam{self.camera}"

    @property
    def targets(self) -> np.ndarray:
        """``positions_3d``, which training and evaluation need; ``ValueError`` naming the sequence if absent."""
        if self.positions_3d is None:
            raise ValueError(f"{self.name}: no 3D poses (training and evaluation need a 3D file)")
        return self.positions_3d

    @property
    def num_frames(self) -> int:
        return len(self.keypoints)


def action_group(action: str) -> str:
    """The action class of a sequence name: 'Walking 1' → 'Walking', 'Box 1 chunk3' → 'Box'.

    Human3.6M aliases are unified: 'WalkingDog' → 'WalkDog', 'TakingPhoto' → 'Photo'.
    """
    base = action.split(" ")[0].split("_")[0]
    return {"WalkingDog": "WalkDog", "TakingPhoto": "Photo"}.get(base, base)
