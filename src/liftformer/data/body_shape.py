"""Body-shape augmentation: random bone lengths per training window, so a model reads proportions from its 2D.

Datasets and detectors place joints differently (HumanEva-I's hip joints sit about half as far from
the pelvis as Human3.6M's; COCO's and MediaPipe's hips differ again), and people differ. A model that
has only seen Human3.6M's five training bodies outputs their proportions whatever the 2D says. Here
each window's 3D skeleton is re-posed with every bone scaled (left and right alike, constant over the
window) before the virtual camera projects it, so the 2D input and the 3D target stay consistent.

Poses can also be widened (``swing``): Human3.6M's actors walk, sit and gesture, but never kick or reach high, so
a model that has only seen them bends a raised leg back towards a step. Each limb (a hip's or a shoulder's chain)
of a window is turned about its root joint by a random rotation, constant over the window (:func:`swing_limbs`):
bone lengths stay, the torso stays, and the 2D is projected from the swung 3D, so input and target agree.

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


def limbs(skeleton: Skeleton) -> list[tuple[int, list[int]]]:
    """(root joint, the joints it moves) of each limb: a side joint whose parent is not one (a hip, a shoulder), and
    every joint below it."""
    sides = {*skeleton.joints_left, *skeleton.joints_right}
    out = []
    for root in range(skeleton.num_joints):
        parent = skeleton.parents[root]
        if root in sides and parent >= 0 and parent not in sides:
            below, grown = [], True
            while grown:
                grown = False
                for j, p in enumerate(skeleton.parents):
                    if (p == root or p in below) and j not in below:
                        below.append(j)
                        grown = True
            out.append((root, sorted(below)))
    return out


def rotations(n: int, max_degrees: float, generator: torch.Generator | None = None,
              device: str | torch.device = "cpu") -> torch.Tensor:
    """(n, 3, 3) rotations about uniformly random axes by angles uniform in [0, ``max_degrees``] (Rodrigues)."""
    axis = torch.randn(n, 3, generator=generator, device=device)
    axis = axis / torch.linalg.vector_norm(axis, dim=-1, keepdim=True).clamp_min(1e-12)
    angle = torch.rand(n, 1, 1, generator=generator, device=device) * torch.pi * max_degrees / 180
    k = torch.zeros(n, 3, 3, device=device)
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    k = k - k.transpose(1, 2)
    return torch.eye(3, device=device) + torch.sin(angle) * k + (1 - torch.cos(angle)) * (k @ k)


def swing_limbs(poses: torch.Tensor, turns: torch.Tensor, skeleton: Skeleton) -> torch.Tensor:
    """Windows (B, N, J, 3) with limb i's joints turned about its root by ``turns[:, i]`` (B, L, 3, 3), the same in
    every frame of a window (:func:`limbs` order)."""
    out = poses.clone()
    for i, (root, moved) in enumerate(limbs(skeleton)):
        pivot = poses[..., root : root + 1, :]
        r = turns[:, i].to(poses.dtype).view(turns.shape[0], *([1] * (poses.dim() - 3)), 3, 3)
        out[..., moved, :] = pivot + (poses[..., moved, :] - pivot) @ r.transpose(-1, -2)
    return out


@dataclass(frozen=True)
class BodyShapeAugment:
    """:func:`scale_bones` with factors drawn from ``scales`` for a batch of windows of ``skeleton``, then every
    limb turned by up to ``swing`` degrees (:func:`swing_limbs`; 0: not)."""

    scales: BoneScales
    skeleton: Skeleton
    swing: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.swing <= 180.0:
            raise ValueError(f"limb swing must be in [0, 180] degrees, got {self.swing:g}")

    def apply(self, poses: torch.Tensor) -> torch.Tensor:
        """Windows (B, N, J, 3), root-relative, re-posed with one random body per window."""
        if not self.scales.is_identity:
            factors = draw_bone_scales(poses.shape[0], self.scales, self.skeleton, None, poses.device)
            poses = scale_bones(poses, factors, self.skeleton.parents)
        if self.swing > 0:
            count = len(limbs(self.skeleton))
            turns = rotations(poses.shape[0] * count, self.swing, None, poses.device).view(poses.shape[0], count, 3, 3)
            poses = swing_limbs(poses, turns, self.skeleton)
        return poses
