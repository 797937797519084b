"""Virtual cameras: random viewpoints drawn per training window, and projection through them.

Pure, vectorised torch functions (CPU or GPU), seeded by the ``generator`` they are given (None:
torch's global generator). Axes follow :mod:`liftformer.data.camera` (OpenCV: x right, y down,
z forward). Poses come in a *source* frame (the dataset's real camera, or the world) together
with ``up``, the world's up direction in that frame, and ``forward``, the horizontal direction
that azimuth 0 faces.

A camera looks at a pivot (the root joint) from elevation ``el`` (positive: from above, looking
down) and azimuth ``az``, at a distance chosen so that the person spans ``fill`` of the frame's
short side, rolls by ``roll`` about its optical axis and turns so the pivot lands at ``offset``
in the frame. The principal point stays at the image centre, so 2D comes out in the package's
normalised screen coordinates (:func:`~liftformer.data.camera.normalize_screen_coordinates`:
x in [-1, 1] across the width, aspect kept, 0 at the image centre) as ``focal · (X/Z, Y/Z)``
with ``focal = 2 f / width``. 3D targets follow the camera: root-relative, in its axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence as Seq
from dataclasses import dataclass, fields

import numpy as np
import torch

from liftformer.data.body_shape import BodyShapeAugment
from liftformer.data.sequences import Sequence
from liftformer.data.windows import gather_windows


@dataclass(frozen=True)
class CameraRanges:
    """Where the random cameras come from (angles in degrees; uniform within each range).

    ``fov``: field of view across the frame's long side. ``fill``: the person's extent (twice
    the largest joint distance from the root over the window) over the frame's short side.
    ``aspect``: long side / short side; ``portrait``: probability of a portrait frame.
    ``position``: how far the root may move off the image centre, as a fraction of the margin
    that keeps the person in frame (0: always centred). ``clearance``: metres kept at least
    between the camera and the person's furthest extent from the root.
    """

    elevation: tuple[float, float] = (-30.0, 60.0)
    azimuth: tuple[float, float] = (-180.0, 180.0)
    roll: tuple[float, float] = (-10.0, 10.0)
    fov: tuple[float, float] = (40.0, 90.0)
    fill: tuple[float, float] = (0.2, 0.9)
    aspect: tuple[float, float] = (1.0, 1.8)
    portrait: float = 0.5
    position: float = 1.0
    clearance: float = 0.5

    def __post_init__(self) -> None:
        limits = {"elevation": (-89.0, 89.0), "azimuth": (-180.0, 180.0), "roll": (-90.0, 90.0),
                  "fov": (1.0, 170.0), "fill": (0.01, 1.0), "aspect": (1.0, 4.0)}
        for name, (lo, hi) in limits.items():
            a, b = getattr(self, name)
            if not lo <= a <= b <= hi:
                raise ValueError(f"camera {name} range ({a:g}, {b:g}) must satisfy {lo:g} <= low <= high <= {hi:g}")
        for name in ("portrait", "position"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"camera {name} must be in [0, 1], got {getattr(self, name):g}")
        if not self.clearance >= 0.0:
            raise ValueError(f"camera clearance must be >= 0 metres, got {self.clearance:g}")


@dataclass(frozen=True)
class VirtualCameras:
    """A batch of B cameras, all fields (B,) except ``offset`` (B, 2); angles in radians.

    ``focal`` is 2 f / width; ``height_ratio`` is height / width (> 1: portrait); ``offset``
    is the pivot's position in normalised screen coordinates.
    """

    elevation: torch.Tensor
    azimuth: torch.Tensor
    roll: torch.Tensor
    focal: torch.Tensor
    fill: torch.Tensor
    height_ratio: torch.Tensor
    offset: torch.Tensor

    def mirror(self) -> VirtualCameras:
        """The cameras that see the horizontally mirrored scene as the mirror image of this one."""
        flip_x = torch.tensor([-1.0, 1.0], device=self.offset.device, dtype=self.offset.dtype)
        return VirtualCameras(self.elevation, -self.azimuth, -self.roll, self.focal, self.fill, self.height_ratio,
                              self.offset * flip_x)

    def index(self, rows: torch.Tensor) -> VirtualCameras:
        return VirtualCameras(*(getattr(self, f.name)[rows] for f in fields(self)))


def _uniform(n: int, bounds: tuple[float, float], generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    lo, hi = bounds
    return lo + (hi - lo) * torch.rand(n, generator=generator, device=device, dtype=torch.float64)


def draw_cameras(
    n: int, ranges: CameraRanges, generator: torch.Generator | None = None, device: str | torch.device = "cpu"
) -> VirtualCameras:
    """``n`` random cameras from ``ranges`` (a fixed number of draws from ``generator`` per call)."""
    device = torch.device(device)
    rad = math.pi / 180.0
    elevation = _uniform(n, ranges.elevation, generator, device) * rad
    azimuth = _uniform(n, ranges.azimuth, generator, device) * rad
    roll = _uniform(n, ranges.roll, generator, device) * rad
    fov = _uniform(n, ranges.fov, generator, device) * rad
    fill = _uniform(n, ranges.fill, generator, device)
    aspect = _uniform(n, ranges.aspect, generator, device)
    portrait = torch.rand(n, generator=generator, device=device, dtype=torch.float64) < ranges.portrait
    where = 2 * torch.rand(n, 2, generator=generator, device=device, dtype=torch.float64) - 1
    height_ratio = torch.where(portrait, aspect, 1 / aspect)
    focal = torch.where(portrait, aspect, torch.ones_like(aspect)) / torch.tan(fov / 2)
    half_person = fill * torch.minimum(height_ratio, torch.ones_like(aspect))  # half of fill x short side (width 2)
    margin = torch.stack([1 - half_person, height_ratio - half_person], -1).clamp_min(0)
    return VirtualCameras(elevation, azimuth, roll, focal, fill, height_ratio, where * margin * ranges.position)


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True).clamp_min(1e-12)


def look_at_rotation(direction: torch.Tensor, up: torch.Tensor, roll: torch.Tensor) -> torch.Tensor:
    """Source-to-camera rotations (B, 3, 3) of cameras viewing along ``direction`` (B, 3), image y
    pointing down (against ``up``), rolled by ``roll`` (B,) radians about the optical axis."""
    z = _unit(direction)
    x = _unit(torch.linalg.cross(-up, z))
    y = torch.linalg.cross(z, x)
    c, s = torch.cos(roll)[:, None], torch.sin(roll)[:, None]
    return torch.stack([c * x + s * y, c * y - s * x, z], dim=-2)


def offset_rotation(offset: torch.Tensor, focal: torch.Tensor) -> torch.Tensor:
    """Rotations (B, 3, 3) turning a camera so that its optical axis' point appears at ``offset``."""
    v = _unit(torch.cat([offset / focal[:, None], torch.ones_like(focal)[:, None]], -1))
    zero = torch.zeros_like(focal)
    k = torch.stack([zero, zero, v[:, 0], zero, zero, v[:, 1], -v[:, 0], -v[:, 1], zero], -1).view(-1, 3, 3)
    eye = torch.eye(3, dtype=v.dtype, device=v.device).expand_as(k)
    return eye + k + k @ k / (1 + v[:, 2])[:, None, None]  # Rodrigues for e_z → v (v_z > 0)


def framing_distance(cams: VirtualCameras, radius: torch.Tensor, clearance: float) -> torch.Tensor:
    """Distance (B,) at which a person of ``radius`` (B,) metres spans ``fill`` of the short side,
    but at least ``radius + clearance``."""
    short_side = 2 * torch.minimum(cams.height_ratio, torch.ones_like(cams.height_ratio))
    return torch.maximum(cams.focal * 2 * radius / (cams.fill * short_side), radius + clearance)


def camera_pose(
    cams: VirtualCameras, pivot: torch.Tensor, up: torch.Tensor, forward: torch.Tensor, distance: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotation (B, 3, 3) and centre (B, 3) in source axes of cameras ``distance`` from ``pivot``."""
    up = _unit(up)
    h1 = _unit(forward - (forward * up).sum(-1, keepdim=True) * up)
    h2 = torch.linalg.cross(up, h1)
    ce, se = torch.cos(cams.elevation)[:, None], torch.sin(cams.elevation)[:, None]
    ca, sa = torch.cos(cams.azimuth)[:, None], torch.sin(cams.azimuth)[:, None]
    direction = ce * (ca * h1 + sa * h2) - se * up
    rotation = offset_rotation(cams.offset, cams.focal) @ look_at_rotation(direction, up, cams.roll)
    return rotation, pivot - distance[:, None] * direction


def to_camera(points: torch.Tensor, rotation: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """X_cam = R (X − C) for points (B, ..., 3), like :func:`~liftformer.data.camera.world_to_camera`."""
    shape = (points.shape[0],) + (1,) * (points.dim() - 2) + (3,)
    return torch.einsum("bij,b...j->b...i", rotation, points - centre.view(shape))


def project_screen(points_cam: torch.Tensor, focal: torch.Tensor, principal: torch.Tensor | None = None) -> torch.Tensor:
    """Normalised screen coordinates (B, ..., 2) of camera-space points (B, ..., 3), no distortion.

    ``focal`` (B,) or (B, 2) is 2 f / width; ``principal`` (B, 2) is the principal point in
    normalised coordinates (None: the image centre).
    """
    focal = focal if focal.dim() == 2 else focal[:, None].expand(-1, 2)
    shape = (points_cam.shape[0],) + (1,) * (points_cam.dim() - 2) + (2,)
    xy = points_cam[..., :2] / points_cam[..., 2:3]
    out = focal.reshape(shape) * xy
    return out if principal is None else out + principal.reshape(shape)


def reproject_windows(
    poses: torch.Tensor,
    trajectory: torch.Tensor,
    up: torch.Tensor,
    target: int,
    cams: VirtualCameras,
    clearance: float = 0.5,
    forward: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """2D (B, N, J, 2) and root-relative 3D (B, N, J, 3) of windows seen through ``cams``.

    ``poses``: root-relative windows (B, N, J, 3) in source axes, metres; ``trajectory``: the
    root's position (B, N, 3) in the same axes (zeros: a person who stays in place); ``up``
    (B, 3); ``target``: the window frame whose root the cameras aim at; ``forward`` (B, 3):
    azimuth 0 (default: the source camera's viewing direction, +z).
    """
    dtype = poses.dtype
    points = (poses + trajectory[:, :, None]).double()
    pivot = points[:, target, 0]
    radius = torch.linalg.vector_norm(points - pivot[:, None, None], dim=-1).flatten(1).amax(1)
    if forward is None:
        forward = torch.zeros_like(pivot)
        forward[:, 2] = 1.0
    distance = framing_distance(cams, radius, clearance)
    rotation, centre = camera_pose(cams, pivot, up.double(), forward.double(), distance)
    cam = to_camera(points, rotation, centre)
    return project_screen(cam, cams.focal).to(dtype), (cam - cam[:, :, :1]).to(dtype)


@dataclass(frozen=True)
class VirtualCameraAugment:
    """Training augmentation: every window is re-projected through a random camera with
    ``probability``; the others keep the dataset's camera (at 0 nothing changes and no random
    number is drawn). Draws come from torch's global generator, so a seeded, resumed run repeats.
    ``body`` re-poses those windows' 3D with random bone lengths before they are projected."""

    probability: float = 0.75
    ranges: CameraRanges = CameraRanges()
    body: BodyShapeAugment | None = None  # random bone lengths for the re-projected windows

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"virtual-camera probability must be in [0, 1], got {self.probability:g}")

    def bind(self, sequences: Seq[Sequence], before: int, after: int, receptive_field: int,
             device: torch.device) -> BoundVirtualCameras:
        """Pad every sequence's 3D, root trajectory and up vector like the 2D windows (edge frames
        repeated ``before``/``after``), concatenated so that a window start indexes all of them."""
        if any(s.positions_3d is None or s.keypoints.shape[1] != s.positions_3d.shape[1] for s in sequences):
            raise ValueError("virtual cameras project the 3D joints: the 2D input needs the 3D layout (same joints)")

        def pad(a: np.ndarray) -> np.ndarray:
            return np.pad(a, ((before, after),) + ((0, 0),) * (a.ndim - 1), mode="edge")

        def field_of(s: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            traj = np.zeros((s.num_frames, 3)) if s.trajectory is None else s.trajectory
            up = np.array([0.0, -1.0, 0.0]) if s.up is None else s.up  # unknown: a level camera
            return pad(s.targets), pad(traj), np.broadcast_to(up, (s.num_frames + before + after, 3))

        parts = [field_of(s) for s in sequences]
        poses, traj, up = (torch.from_numpy(np.concatenate(p).astype(np.float32)).to(device) for p in zip(*parts))
        return BoundVirtualCameras(self, poses, traj, up, receptive_field, before)


@dataclass(frozen=True)
class BoundVirtualCameras:
    """:class:`VirtualCameraAugment` over one dataset's padded 3D (see :meth:`VirtualCameraAugment.bind`)."""

    augment: VirtualCameraAugment
    poses: torch.Tensor  # (P, J, 3) root-relative, source camera axes
    trajectory: torch.Tensor  # (P, 3) root position, source camera axes
    up: torch.Tensor  # (P, 3) world up in source camera axes
    receptive_field: int
    target: int  # index of the target frame within a window

    def apply(self, x: torch.Tensor, y: torch.Tensor, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Replace the 2D windows ``x`` (B, N, J, 2) and targets ``y`` (B, 1 or N, J, 3) of the
        windows starting at ``starts`` (B,) by their view from a random camera, with probability p."""
        p = self.augment.probability
        if p == 0.0 or len(starts) == 0:
            return x, y
        rows = torch.arange(len(starts), device=starts.device)
        if p < 1.0:
            rows = rows[torch.rand(len(starts), device=starts.device) < p]
        s = starts[rows]
        cams = draw_cameras(len(rows), self.augment.ranges, None, starts.device)
        poses = gather_windows(self.poses, s, self.receptive_field)
        if self.augment.body is not None:
            poses = self.augment.body.apply(poses)
        x2, y3 = reproject_windows(
            poses, gather_windows(self.trajectory, s, self.receptive_field),
            self.up[s], self.target, cams, self.augment.ranges.clearance,
        )
        x, y = x.clone(), y.clone()
        x[rows] = x2
        y[rows] = y3 if y.shape[1] == y3.shape[1] else y3[:, self.target : self.target + 1]
        return x, y
