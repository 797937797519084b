"""Joint layouts (skeletons) and the horizontal flip that swaps left and right."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch

Array = TypeVar("Array", np.ndarray, torch.Tensor)


@dataclass(frozen=True)
class Skeleton:
    """A named joint layout: joint names, parent of each joint (-1 for a root), left/right sides."""

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    joints_left: tuple[int, ...]
    joints_right: tuple[int, ...]

    def __post_init__(self) -> None:
        n = len(self.joint_names)
        if len(self.parents) != n:
            raise ValueError(f"skeleton {self.name}: {len(self.parents)} parents for {n} joints")
        if len(self.joints_left) != len(self.joints_right):
            raise ValueError(f"skeleton {self.name}: left and right joint lists differ in length")
        if any(not -1 <= p < n for p in self.parents):
            raise ValueError(f"skeleton {self.name}: parent index out of range")

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def flip_permutation(self) -> np.ndarray:
        """Index array that swaps every left joint with its right twin."""
        perm = np.arange(self.num_joints)
        perm[list(self.joints_left)] = self.joints_right
        perm[list(self.joints_right)] = self.joints_left
        return perm

    def bones(self) -> list[tuple[int, int]]:
        """(parent, child) pairs, for drawing."""
        return [(p, j) for j, p in enumerate(self.parents) if p >= 0]


H36M_17 = Skeleton(
    name="h36m",
    joint_names=(
        "pelvis", "rhip", "rknee", "rankle", "lhip", "lknee", "lankle", "spine", "thorax",
        "nose", "head", "lshoulder", "lelbow", "lwrist", "rshoulder", "relbow", "rwrist",
    ),
    parents=(-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15),
    joints_left=(4, 5, 6, 11, 12, 13),
    joints_right=(1, 2, 3, 14, 15, 16),
)

MPII_16 = Skeleton(
    name="mpii",
    joint_names=(
        "rankle", "rknee", "rhip", "lhip", "lknee", "lankle", "pelvis", "thorax",
        "upper_neck", "head_top", "rwrist", "relbow", "rshoulder", "lshoulder", "lelbow", "lwrist",
    ),
    parents=(1, 2, 6, 6, 3, 4, -1, 6, 7, 8, 11, 12, 7, 7, 13, 14),
    joints_left=(3, 4, 5, 13, 14, 15),
    joints_right=(2, 1, 0, 12, 11, 10),
)

HUMANEVA_15 = Skeleton(
    name="humaneva",
    joint_names=(
        "pelvis", "thorax", "lshoulder", "lelbow", "lwrist", "rshoulder", "relbow", "rwrist",
        "lhip", "lknee", "lankle", "rhip", "rknee", "rankle", "head",
    ),
    parents=(-1, 0, 1, 2, 3, 1, 5, 6, 0, 8, 9, 0, 11, 12, 1),
    joints_left=(2, 3, 4, 8, 9, 10),
    joints_right=(5, 6, 7, 11, 12, 13),
)

COCO_17 = Skeleton(
    name="coco",
    joint_names=(
        "nose", "leye", "reye", "lear", "rear", "lshoulder", "rshoulder", "lelbow", "relbow",
        "lwrist", "rwrist", "lhip", "rhip", "lknee", "rknee", "lankle", "rankle",
    ),
    parents=(-1, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14),
    joints_left=(1, 3, 5, 7, 9, 11, 13, 15),
    joints_right=(2, 4, 6, 8, 10, 12, 14, 16),
)

SKELETONS: dict[str, Skeleton] = {s.name: s for s in (H36M_17, MPII_16, HUMANEVA_15, COCO_17)}


def flip_horizontal(pose: Array, skeleton: Skeleton) -> Array:
    """Mirror poses (..., J, 2 or 3) about x = 0 and swap left/right joints.

    Valid for normalised screen coordinates (centred on the image) and for camera-space 3D.
    Returns a new array; the input is untouched. Applying it twice is the identity.
    """
    if pose.shape[-2] != skeleton.num_joints:
        raise ValueError(
            f"flip_horizontal: pose has {pose.shape[-2]} joints, skeleton {skeleton.name} has "
            f"{skeleton.num_joints}"
        )
    perm = skeleton.flip_permutation
    if isinstance(pose, torch.Tensor):
        out = pose[..., torch.as_tensor(perm, device=pose.device), :].clone()
    else:
        out = pose[..., perm, :].copy()
    out[..., 0] = -out[..., 0]
    return out
