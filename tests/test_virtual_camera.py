"""Virtual-camera augmentation: geometry against data.camera, flip equivariance, the pipeline, seeding, flags."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from liftformer.cli.main import build_parser
from liftformer.data.camera import Camera, normalize_screen_coordinates, project_to_2d_linear, world_to_camera
from liftformer.data.h36m import cameras as h36m_cameras
from liftformer.data.pipeline import InputNoise, WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, flip_horizontal
from liftformer.data.synthetic import synthetic_motion
from liftformer.data.virtual_camera import (
    CameraRanges,
    VirtualCameraAugment,
    camera_pose,
    draw_cameras,
    framing_distance,
    project_screen,
    reproject_windows,
    to_camera,
)


def windows(batch: int = 6, frames: int = 9, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Root-relative poses (B, N, 17, 3) and root trajectories (B, N, 3) in a camera looking level at a walker."""
    body = synthetic_motion(batch * frames, seed=seed).reshape(batch, frames, 17, 3)
    poses = body * np.array([1.0, -1.0, 1.0])  # y up → camera y down
    poses = poses - poses[:, :, :1]
    traj = np.stack([np.linspace(-0.3, 0.3, frames), np.zeros(frames), 4.0 + np.zeros(frames)], -1)
    traj = np.broadcast_to(traj, (batch, frames, 3))
    up = np.broadcast_to(np.array([0.0, -0.995, 0.0998]), (batch, 3))  # a slightly tilted source camera
    return (torch.tensor(poses, dtype=torch.float32), torch.tensor(traj, dtype=torch.float32),
            torch.tensor(up, dtype=torch.float32))


def test_projection_equals_data_camera_with_the_drawn_camera():
    poses, traj, up = windows()
    cams = draw_cameras(len(poses), CameraRanges(), torch.Generator().manual_seed(1))
    x, y = reproject_windows(poses, traj, up, target=4, cams=cams)
    points = (poses + traj[:, :, None]).double()
    radius = torch.linalg.vector_norm(points - points[:, 4, :1, None], dim=-1).flatten(1).amax(1)
    forward = torch.tensor([[0.0, 0.0, 1.0]]).expand(len(poses), 3).double()
    rot, centre = camera_pose(cams, points[:, 4, 0], up.double(), forward, framing_distance(cams, radius, 0.5))
    width = 1000
    for b in range(len(poses)):
        height = int(round(width * float(cams.height_ratio[b])))
        f = float(cams.focal[b]) * width / 2
        cam = Camera(rot[b].numpy(), centre[b].numpy(), np.array([f, f]), np.array([width / 2, height / 2]),
                     np.zeros(3), np.zeros(2), width, height)
        px = cam.project(cam.world_to_camera(points[b].numpy()))
        expected = normalize_screen_coordinates(px, width, height)  # principal point at the image centre
        np.testing.assert_allclose(x[b].numpy(), expected, atol=1e-5)
        cam_xyz = cam.world_to_camera(points[b].numpy())
        np.testing.assert_allclose(y[b].numpy(), cam_xyz - cam_xyz[:, :1], atol=1e-5)


def test_real_camera_through_the_virtual_projection():
    cam = h36m_cameras()["S9"][1]
    world = synthetic_motion(20, seed=3)[..., [0, 2, 1]] + np.array([0.0, 0.0, 0.95])
    expected = normalize_screen_coordinates(
        project_to_2d_linear(world_to_camera(world, cam.R, cam.T), cam.focal, cam.center), cam.width, cam.height)
    focal = torch.tensor(2 * cam.focal / cam.width)[None]
    principal = torch.tensor(2 * cam.center / cam.width - np.array([1.0, cam.height / cam.width]))[None]
    pts = to_camera(torch.tensor(world)[None], torch.tensor(cam.R)[None], torch.tensor(cam.T)[None])
    np.testing.assert_allclose(project_screen(pts, focal, principal)[0].numpy(), expected, atol=1e-9)


def test_flip_commutes_with_the_augmentation():
    poses, traj, up = windows(seed=2)
    mirror = torch.tensor([-1.0, 1.0, 1.0])
    cams = draw_cameras(len(poses), CameraRanges(roll=(-30, 30)), torch.Generator().manual_seed(5))
    x, y = reproject_windows(poses, traj, up, 4, cams)
    xm, ym = reproject_windows(flip_horizontal(poses, H36M_17), traj * mirror, up * mirror, 4, cams.mirror())
    torch.testing.assert_close(xm, flip_horizontal(x, H36M_17), atol=1e-5, rtol=0)
    torch.testing.assert_close(ym, flip_horizontal(y, H36M_17), atol=1e-5, rtol=0)


def test_cameras_respect_their_ranges():
    ranges = CameraRanges(elevation=(-20, 40), fill=(0.3, 0.6), fov=(50, 60))
    cams = draw_cameras(4000, ranges, torch.Generator().manual_seed(0))
    deg = torch.rad2deg(cams.elevation)
    assert deg.min() >= -20 and deg.max() <= 40 and deg.min() < -15 and deg.max() > 35
    assert (cams.height_ratio > 1).float().mean().item() == pytest.approx(0.5, abs=0.05)
    poses, traj, up = windows(batch=4)
    cams = draw_cameras(4, CameraRanges(elevation=(0, 0), azimuth=(0, 0), roll=(0, 0), position=0.0),
                        torch.Generator().manual_seed(0))
    level = torch.tensor([[0.0, -1.0, 0.0]]).expand(4, 3)
    x, y = reproject_windows(poses, torch.zeros_like(traj), level, 4, cams)
    torch.testing.assert_close(y, poses - poses[:, :, :1], atol=1e-5, rtol=0)  # a level camera in front: same axes
    torch.testing.assert_close(x[:, 4, 0], torch.zeros(4, 2), atol=1e-6, rtol=0)  # root at the image centre


def test_distances_from_the_root_are_kept():
    poses, traj, up = windows()
    cams = draw_cameras(len(poses), CameraRanges(fill=(0.9, 1.0), fov=(120, 170)), torch.Generator().manual_seed(9))
    _, y = reproject_windows(poses, traj, up, 4, cams)
    torch.testing.assert_close(torch.linalg.vector_norm(y, dim=-1), torch.linalg.vector_norm(poses, dim=-1), atol=1e-5, rtol=0)


def sequences(trajectory: bool = True) -> list[Sequence]:
    out = []
    for i, frames in enumerate((20, 7)):
        body = synthetic_motion(frames, seed=i) * np.array([1.0, -1.0, 1.0])
        kp = (body[..., :2] / (body[..., 2:] + 4.0)).astype(np.float32)
        root = np.stack([np.zeros(frames), np.zeros(frames), np.full(frames, 4.0)], -1).astype(np.float32)
        out.append(Sequence("S1", f"Walk {i}", 0, kp, (body - body[:, :1]).astype(np.float32), 50.0,
                            root if trajectory else None, np.array([0.0, -1.0, 0.0]) if trajectory else None))
    return out


@pytest.mark.parametrize("targets", ["centre", "sequence"])
def test_zero_augmentation_is_the_current_pipeline(targets):
    common = dict(flip=(H36M_17, H36M_17), noise=InputNoise(0.01, 0.1), targets=targets)
    plain = WindowDataset(sequences(), 5, **common)
    zero = WindowDataset(sequences(), 5, cameras=VirtualCameraAugment(0.0), **common)
    idx = torch.arange(len(plain))
    torch.manual_seed(0)
    a = plain.get(idx)
    torch.manual_seed(0)
    b = zero.get(idx)
    for u, v in zip(a, b):
        assert torch.equal(u, v)


@pytest.mark.parametrize("causal,targets", [(False, "centre"), (True, "sequence")])
def test_augmented_windows_are_seeded_and_root_relative(causal, targets):
    ds = WindowDataset(sequences(trajectory=False), 5, causal=causal, flip=(H36M_17, H36M_17), targets=targets,
                       cameras=VirtualCameraAugment(0.7))
    idx = torch.arange(len(ds))
    torch.manual_seed(4)
    x1, y1 = ds.get(idx)
    torch.manual_seed(4)
    x2, y2 = ds.get(idx)
    x3, _ = ds.get(idx)
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and not torch.equal(x1, x3)
    assert torch.isfinite(x1).all() and torch.equal(y1[..., 0, :], torch.zeros_like(y1[..., 0, :]))
    plain_x, _ = WindowDataset(sequences(), 5, causal=causal, flip=(H36M_17, H36M_17), targets=targets).get(idx)
    changed = (x1 != plain_x).flatten(1).any(1).float().mean().item()
    assert 0.4 < changed < 0.95  # about 70 % of the windows re-projected


def test_layouts_must_match():
    seq = sequences()[0]
    mpii = Sequence(seq.subject, seq.action, 0, seq.keypoints[:, :16], seq.positions_3d, 50.0)
    with pytest.raises(ValueError, match="3D layout"):
        WindowDataset([mpii], 5, cameras=VirtualCameraAugment())


@pytest.mark.parametrize("flag,value", [
    ("--vc-elevation", "50,10"), ("--vc-elevation", "-95,10"), ("--vc-fov", "0,60"), ("--vc-fill", "0.2,1.5"),
    ("--vc-aspect", "0.5,2"), ("--vc-roll", "abc"), ("--virtual-cameras", "1.5"), ("--vc-portrait", "-0.1"),
    ("--vc-azimuth", "nan,10"), ("--vc-bones", "1.2,0.8"), ("--vc-girdle", "0,1"),
])
def test_bad_ranges_fail_at_parse_time(flag, value, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args(["train", "--data-2d", "x.npz", "--out", "r", flag, value])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and flag in err


def test_flags_build_the_augmentation():
    from liftformer.cli.augment_args import from_args

    args = build_parser().parse_args(["train", "--data-2d", "x.npz", "--out", "r"])
    assert from_args(args, H36M_17) is None
    args = build_parser().parse_args(["train", "--data-2d", "x.npz", "--out", "r", "--virtual-cameras", "0.5",
                                      "--vc-elevation=-20,40", "--vc-portrait", "0"])
    aug = from_args(args, H36M_17)
    assert aug is not None and aug.probability == 0.5 and aug.ranges.elevation == (-20, 40) and aug.ranges.portrait == 0
    assert aug.body is None



def test_calibrated_datasets_give_trajectory_and_up(tmp_path):
    from datasets_fixtures import H36M_META, h36m_3d, save_npz
    from liftformer.data.datasets import load_split
    from liftformer.data.h36m import load_positions, project_ground_truth_2d

    path_3d = h36m_3d(tmp_path / "data_3d_h36m.npz", subjects=("S1", "S9"), frames=(30, 12))
    path_2d = save_npz(tmp_path / "gt.npz", positions_2d=project_ground_truth_2d(load_positions(str(path_3d)), h36m_cameras()),
                       metadata=H36M_META)
    seqs = load_split("h36m", str(path_3d), str(path_2d), ["S1"], require_3d=True).sequences
    cam = h36m_cameras()["S1"][seqs[0].camera]
    world = load_positions(str(path_3d))["S1"][seqs[0].action]
    np.testing.assert_allclose(seqs[0].trajectory, cam.world_to_camera(world[:, 0]), atol=1e-5)
    np.testing.assert_allclose(seqs[0].up, cam.R @ np.array([0.0, 0.0, 1.0]))
    ds = WindowDataset(seqs, 5, flip=(H36M_17, H36M_17), cameras=VirtualCameraAugment(1.0))
    x, y = ds.get(torch.arange(len(ds)))
    assert torch.isfinite(x).all() and x.abs().max() < 5 and torch.equal(y[:, :, 0], torch.zeros_like(y[:, :, 0]))
