"""BVH export of lifted poses: a skeleton with constant bone lengths and per-frame joint rotations.

Conventions (documented in the guide, docs/guide/bvh.md):

- **World.** With a trajectory, an upright frame fitted to the clip's floor (``world``; y up, the floor at
  y = 0, z towards the camera: :mod:`liftformer.inference.lifting.ground`). Without one, camera axes
  (x right, y down, z forward) turned 180° about x: BVH x right, y up, z towards the camera, so a person
  facing the camera faces +Z (the usual BVH forward); a tilted camera then gives a tilted floor.
  Metres unless ``scale``.
- **Rest pose (OFFSETs).** Bone lengths are medians over the clip. Limbs are in a T-pose (arms along ±X,
  legs down), spine and head straight up; the children of the pelvis (hips, spine) and of the thorax
  (shoulders, neck) keep their median shape in those joints' frames.
- **Rotations.** The pelvis and the thorax take the rotation that best fits (least squares over unit
  directions) their three children in their median shape, measured in frames built from the hip or
  shoulder line (x: the person's left) and the spine or neck (y, made orthogonal to x): the hip and
  shoulder planes. Every other joint takes the smallest rotation (swing only: zero twist relative to
  its parent) that points its bone exactly at its lifted child. Leaf joints (ankles, wrists, head top)
  carry zero rotation; their End Sites (feet forward, hands and head along their bone) are cosmetic.
  Channels: ZXY Euler angles in degrees (R = Rz Rx Ry), unwrapped in time.
- **Root.** Without a trajectory the root stays at (0, h, 0), h the median height of the pelvis above the
  lower ankle (the feet near y = 0); a trajectory (``root``, camera axes) moves it over the floor.
- **Missing frames** (any non-finite joint) are interpolated linearly in time from the nearest complete
  frames (held at the ends); a clip without a complete frame is refused.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liftformer.data.skeleton import H36M_17
from liftformer.errors import DataError, LiftformerError
from liftformer.fileio import atomic_write_text

# BVH names of the H36M-17 joints (each names the bone it rotates; MotionBuilder/Mixamo style)
BVH_NAMES = ("Hips", "RightUpLeg", "RightLeg", "RightFoot", "LeftUpLeg", "LeftLeg", "LeftFoot", "Spine", "Neck",
             "Head", "HeadTop", "LeftArm", "LeftForeArm", "LeftHand", "RightArm", "RightForeArm", "RightHand")
# joint: (left child, right child, up child) defining its frame; every other joint has at most one child
PLANE_JOINTS = {0: (4, 1, 7), 8: (11, 14, 9)}
# T-pose direction of each single-child bone (index: the child), world axes
REST_DIRECTIONS = {2: (0, -1, 0), 3: (0, -1, 0), 5: (0, -1, 0), 6: (0, -1, 0), 8: (0, 1, 0), 10: (0, 1, 0),
                   12: (1, 0, 0), 13: (1, 0, 0), 15: (-1, 0, 0), 16: (-1, 0, 0)}
# End Site of each leaf joint: (direction, fraction of the leaf's own bone length)
CAMERA_UPRIGHT = np.diag([1.0, -1.0, -1.0])  # camera axes (y down, z forward) → BVH world (y up, z towards the camera)
END_SITES = {3: ((0, 0, 1), 0.4), 6: ((0, 0, 1), 0.4), 10: ((0, 1, 0), 0.3), 13: ((1, 0, 0), 0.3), 16: ((-1, 0, 0), 0.3)}


@dataclass(frozen=True)
class BvhSkeleton:
    """The BVH hierarchy: names, parents (parents precede children), OFFSETs (J, 3) and End Sites (J, 3; zero off leaves)."""

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    end_sites: np.ndarray

    def children(self, joint: int) -> list[int]:
        return [j for j, p in enumerate(self.parents) if p == joint]


@dataclass(frozen=True)
class BvhMotion:
    """A skeleton and its motion: root positions (T, 3) and local rotations (T, J, 3, 3), world axes."""

    skeleton: BvhSkeleton
    root: np.ndarray
    rotations: np.ndarray


def fill_missing(poses: np.ndarray) -> tuple[np.ndarray, int]:
    """Frames with a non-finite joint interpolated linearly from the nearest complete frames (held at the ends),
    and how many were filled; :class:`DataError` when no frame is complete."""
    poses = np.asarray(poses, dtype=np.float64)
    good = np.flatnonzero(np.isfinite(poses).all(axis=(1, 2)))
    if not len(good):
        which = "the one frame lacks a joint" if len(poses) == 1 else f"none of the {len(poses)} frames has every joint"
        raise DataError(f"BVH export: {which}: nothing to write")
    t = np.arange(len(poses))
    after = np.clip(np.searchsorted(good, t), 0, len(good) - 1)
    before = np.clip(after - 1, 0, len(good) - 1)
    before = np.where(good[after] == t, after, before)
    t0, t1 = good[before], good[after]
    w = np.where(t1 > t0, (t - t0) / np.maximum(t1 - t0, 1), 0.0)[:, None, None]
    return (1 - w) * poses[t0] + w * poses[t1], len(poses) - len(good)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def plane_frames(left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(…, 3, 3) rotations whose columns are x = ``left`` direction, y = ``up`` made orthogonal to x, z = x × y."""
    x = _unit(left)
    y = _unit(up - (up * x).sum(-1, keepdims=True) * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(…, 3, 3) smallest rotations taking unit vectors ``a`` onto unit vectors ``b`` (opposite: 180° about a normal)."""
    a, b = np.broadcast_arrays(a, b)
    v, c = np.cross(a, b), (a * b).sum(-1)
    k = np.zeros(v.shape + (3,))
    k[..., 0, 1], k[..., 0, 2], k[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    k = k - np.swapaxes(k, -1, -2)
    opposite = c < -1 + 1e-9
    r = np.eye(3) + k + k @ k / np.where(opposite, 1.0, 1 + c)[..., None, None]
    if opposite.any():  # a normal of a: the cross product with the basis axis least aligned with it
        n = _unit(np.cross(a[opposite], np.eye(3)[np.argmin(np.abs(a[opposite]), axis=-1)]))
        r[opposite] = 2 * n[..., :, None] * n[..., None, :] - np.eye(3)
    return r


def best_rotation(rest: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations R minimising sum_k |R rest_k - seen_k|^2 (Wahba, by SVD); ``rest`` (K, 3), ``seen`` (T, K, 3)."""
    u, _, vt = np.linalg.svd(np.einsum("tki,kj->tij", seen, rest))
    d = np.ones(u.shape[:-1])
    d[:, -1] = np.sign(np.linalg.det(u @ vt))
    return (u * d[:, None, :]) @ vt


def _torso_frames(world: np.ndarray) -> dict[int, np.ndarray]:
    return {j: plane_frames(world[:, left] - world[:, right], world[:, up] - world[:, j])
            for j, (left, right, up) in PLANE_JOINTS.items()}


def fit_skeleton(world: np.ndarray) -> BvhSkeleton:
    """The rest skeleton of root-relative world poses (T, 17, 3): median bone lengths, T-pose limbs, median torso shape."""
    parents = H36M_17.parents
    child, parent = np.arange(1, len(parents)), np.array(parents[1:])
    lengths = np.zeros(len(parents))
    lengths[1:] = np.median(np.linalg.norm(world[:, child] - world[:, parent], axis=-1), axis=0)
    directions = np.zeros((len(parents), 3))
    for j, frame in _torso_frames(world).items():
        kids = [c for c, p in enumerate(parents) if p == j]
        local = np.einsum("tij,tci->tcj", frame, _unit(world[:, kids] - world[:, j:j + 1]))
        directions[kids] = _unit(np.median(local, axis=0))
    for c, d in REST_DIRECTIONS.items():
        directions[c] = d
    end_sites = np.zeros((len(parents), 3))
    for j, (d, fraction) in END_SITES.items():
        end_sites[j] = np.array(d) * fraction * lengths[j]
    return BvhSkeleton(BVH_NAMES, parents, directions * lengths[:, None], end_sites)


def solve_rotations(world: np.ndarray, skeleton: BvhSkeleton) -> np.ndarray:
    """Local rotations (T, J, 3, 3) that pose ``skeleton`` like the root-relative world poses (T, J, 3); see the module."""
    frames, J = len(world), len(skeleton.parents)
    glob = np.zeros((frames, J, 3, 3))
    local = np.tile(np.eye(3), (frames, J, 1, 1))
    for j, p in enumerate(skeleton.parents):  # parents first; vectorised over frames
        above = np.broadcast_to(np.eye(3), (frames, 3, 3)) if p < 0 else glob[:, p]
        kids = skeleton.children(j)
        if j in PLANE_JOINTS:
            fit = best_rotation(_unit(skeleton.offsets[kids]), _unit(world[:, kids] - world[:, j:j + 1]))
            local[:, j] = np.swapaxes(above, -1, -2) @ fit
        elif len(kids) == 1:
            seen = np.einsum("tij,ti->tj", above, _unit(world[:, kids[0]] - world[:, j]))  # the bone in the parent's frame
            local[:, j] = swing(_unit(skeleton.offsets[kids[0]]), seen)
        glob[:, j] = above @ local[:, j]
    return local


def euler_zxy(rotations: np.ndarray) -> np.ndarray:
    """Angles (…, 3) in degrees, ordered (z, x, y), with R = Rz(z) Rx(x) Ry(y); unwrapped along axis 0."""
    r = rotations
    x = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
    locked = np.abs(r[..., 2, 1]) > 1 - 1e-9
    z = np.where(locked, np.arctan2(r[..., 1, 0], r[..., 0, 0]), np.arctan2(-r[..., 0, 1], r[..., 1, 1]))
    y = np.where(locked, 0.0, np.arctan2(-r[..., 2, 0], r[..., 2, 2]))
    return np.degrees(np.unwrap(np.stack([z, x, y], axis=-1), axis=0))


def bvh_motion(poses: np.ndarray, root: np.ndarray | None = None, scale: float = 1.0,
               world: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[BvhMotion, int]:
    """The BVH skeleton and motion of poses (T, 17, 3) in camera axes (root-relative or not), with the number of frames
    filled; ``root`` (T, 3): camera-axis root positions, else a fixed root (module docstring). ``world``: (rotation
    (3, 3), origin (3,)) of an upright frame fitted to the clip's floor, ``world = rotation @ (camera - origin)``,
    in place of the camera's own axes turned about x."""
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[1:] != (H36M_17.num_joints, 3) or not len(poses):
        raise DataError(f"BVH export: expected poses (T, 17, 3), got shape {poses.shape}")
    filled_poses, filled = fill_missing(poses)
    rotation, origin = world if world is not None else (CAMERA_UPRIGHT, np.zeros(3))
    world_poses = (filled_poses - filled_poses[:, :1]) @ np.asarray(rotation).T
    skeleton = fit_skeleton(world_poses)
    if root is None:
        height = float(np.median(-world_poses[:, [3, 6], 1].min(axis=1)))
        root_world = np.tile([0.0, height, 0.0], (len(world_poses), 1))
    else:
        camera_root = fill_missing(np.asarray(root, dtype=np.float64).reshape(len(world_poses), 1, 3))[0][:, 0]
        root_world = (camera_root - origin) @ np.asarray(rotation).T
    skeleton = BvhSkeleton(skeleton.names, skeleton.parents, skeleton.offsets * scale, skeleton.end_sites * scale)
    return BvhMotion(skeleton, root_world * scale, solve_rotations(world_poses, skeleton)), filled


def _numbers(values: np.ndarray) -> str:
    return " ".join(f"{v:.6f}" for v in np.round(values, 6) + 0.0)  # + 0.0: no "-0.000000"


def _hierarchy(skeleton: BvhSkeleton, joint: int, depth: int) -> list[str]:
    pad, kind = "  " * depth, "ROOT" if skeleton.parents[joint] < 0 else "JOINT"
    channels = "6 Xposition Yposition Zposition" if kind == "ROOT" else "3"
    lines = [f"{pad}{kind} {skeleton.names[joint]}", f"{pad}{{",
             f"{pad}  OFFSET {_numbers(skeleton.offsets[joint])}",
             f"{pad}  CHANNELS {channels} Zrotation Xrotation Yrotation"]
    kids = skeleton.children(joint)
    for kid in kids:
        lines += _hierarchy(skeleton, kid, depth + 1)
    if not kids:
        lines += [f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET {_numbers(skeleton.end_sites[joint])}", f"{pad}  }}"]
    return lines + [f"{pad}}}"]


def bvh_text(motion: BvhMotion, fps: float) -> str:
    """Standard text BVH: HIERARCHY (root with position and rotation channels, every joint ZXY rotations), MOTION."""
    if not np.isfinite(fps) or fps <= 0:
        raise DataError(f"BVH export: frame rate must be positive, got {fps}")
    angles = euler_zxy(motion.rotations).reshape(len(motion.root), -1)
    values = np.concatenate([np.round(motion.root, 6), np.round(angles, 4)], axis=1) + 0.0
    body = io.StringIO()
    np.savetxt(body, values, fmt=["%.6f"] * 3 + ["%.4f"] * angles.shape[1])
    root = motion.skeleton.parents.index(-1)
    head = ["HIERARCHY", *_hierarchy(motion.skeleton, root, 0), "MOTION", f"Frames: {len(values)}", f"Frame Time: {1 / fps:.8f}"]
    return "\n".join(head) + "\n" + body.getvalue()


def check_bvh_path(path: str | os.PathLike) -> None:
    """One-line error unless ``path`` ends in .bvh (writability is checked with the other outputs)."""
    if Path(path).suffix.lower() != ".bvh":
        raise LiftformerError(f"--bvh {path}: a BVH file must end in .bvh: give e.g. {Path(path).with_suffix('.bvh')}")


def save_bvh(path: str | os.PathLike, poses: np.ndarray, fps: float, root: np.ndarray | None = None, scale: float = 1.0,
             world: tuple[np.ndarray, np.ndarray] | None = None) -> int:
    """Write poses (T, 17, 3), camera axes, metres, as a BVH file atomically (``root``, ``world``: :func:`bvh_motion`);
    returns how many frames were filled."""
    motion, filled = bvh_motion(poses, root, scale, world)
    atomic_write_text(path, bvh_text(motion, fps))
    return filled
