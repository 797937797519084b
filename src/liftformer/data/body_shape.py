"""Body-shape augmentation: random bone lengths per training window, so a model reads proportions from its 2D.

Datasets and detectors place joints differently (HumanEva-I's hip joints sit about half as far from
the pelvis as Human3.6M's; COCO's and MediaPipe's hips differ again), and people differ. A model that
has only seen Human3.6M's five training bodies outputs their proportions whatever the 2D says. Here
each window's 3D skeleton is re-posed with every bone scaled (left and right alike, constant over the
window) before the virtual camera projects it, so the 2D input and the 3D target stay consistent.

Pure, vectorised torch functions; draws come from the ``generator`` given (None: torch's global one).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from liftformer.data.skeleton import Skeleton


@dataclass(frozen=True)
class BoneScales:
    """Uniform ranges of the length factors: ``girdle`` for the bones from a centre joint to a side
    joint (pelvis→hips, thorax→shoulders), ``bones`` for every other bone (limbs, spine, neck, head)."""

    bones: tuple[float, float] = (1.0, 1.0)
    girdle: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self) -> None:
        for name in ("bones", "girdle"):
            lo, hi = getattr(self, name)
            if not 0.1 <= lo <= hi <= 3.0:
                raise ValueError(f"{name} scale range ({lo:g}, {hi:g}) must satisfy 0.1 <= low <= high <= 3")

    @property
    def is_identity(self) -> bool:
        return self.bones == (1.0, 1.0) and self.girdle == (1.0, 1.0)


def bone_groups(skeleton: Skeleton) -> tuple[list[int], list[bool]]:
    """Per joint: the index of the scale its bone (to its parent) takes, a right joint sharing its
    left twin's; and whether that bone is a girdle bone. The root's entry is unused."""
    twin = {r: left for left, r in zip(skeleton.joints_left, skeleton.joints_right)}
    sides = {*skeleton.joints_left, *skeleton.joints_right}
    groups = [twin.get(j, j) for j in range(skeleton.num_joints)]
    girdle = [p >= 0 and p not in sides and j in sides for j, p in enumerate(skeleton.parents)]
    return groups, girdle


def draw_bone_scales(n: int, scales: BoneScales, skeleton: Skeleton, generator: torch.Generator | None = None,
                     device: str | torch.device = "cpu") -> torch.Tensor:
    """(n, J) length factors, one per bone (indexed by its child joint), symmetric left/right."""
    groups, girdle = bone_groups(skeleton)
    u = torch.rand(n, skeleton.num_joints, generator=generator, device=device)
    is_girdle = torch.tensor(girdle, device=device)
    lo = torch.where(is_girdle, scales.girdle[0], scales.bones[0])
    hi = torch.where(is_girdle, scales.girdle[1], scales.bones[1])
    return (lo + (hi - lo) * u)[:, groups]


def scale_bones(poses: torch.Tensor, factors: torch.Tensor, parents: tuple[int, ...]) -> torch.Tensor:
    """Poses (B, ..., J, 3) re-posed with every bone (parent → joint) times ``factors`` (B, J); bone
    directions and the root stay. ``parents`` must list every parent before its children."""
    if any(p >= j for j, p in enumerate(parents)):
        raise ValueError("scale_bones needs every parent listed before its children")
    f = factors.to(poses.dtype).view(factors.shape[0], *([1] * (poses.dim() - 3)), factors.shape[1], 1)
    joints = [poses[..., 0, :]]
    for j, p in enumerate(parents[1:], start=1):
        joints.append(joints[p] + f[..., j, :] * (poses[..., j, :] - poses[..., p, :]))
    return torch.stack(joints, dim=-2)


@dataclass(frozen=True)
class BodyShapeAugment:
    """:func:`scale_bones` with factors drawn from ``scales`` for a batch of windows of ``skeleton``."""

    scales: BoneScales
    skeleton: Skeleton

    def apply(self, poses: torch.Tensor) -> torch.Tensor:
        """Windows (B, N, J, 3), root-relative, re-posed with one random body per window."""
        factors = draw_bone_scales(poses.shape[0], self.scales, self.skeleton, None, poses.device)
        return scale_bones(poses, factors, self.skeleton.parents)
