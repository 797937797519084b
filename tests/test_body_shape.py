"""Body-shape augmentation: bone lengths scale as drawn, symmetric, seeded; 2D and 3D stay consistent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import exit_code, one_line_error
from liftformer.cli.main import build_parser
from liftformer.data.body_shape import (
    BodyShapeAugment,
    BoneScales,
    bone_groups,
    draw_bone_scales,
    limbs,
    rotations,
    scale_bones,
    swing_limbs,
)
from liftformer.data.pipeline import WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, flip_horizontal
from liftformer.data.synthetic import synthetic_motion
from liftformer.data.virtual_camera import VirtualCameraAugment, draw_cameras, reproject_windows
from liftformer.data.windows import gather_windows


def poses(batch: int = 4, frames: int = 7) -> torch.Tensor:
    body = torch.tensor(synthetic_motion(batch * frames, seed=3), dtype=torch.float32).view(batch, frames, 17, 3)
    return body - body[:, :, :1]


def lengths(p: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.linalg.vector_norm(p[..., j, :] - p[..., q, :], dim=-1) for q, j in H36M_17.bones()], -1)


def test_bones_scale_by_their_factor_and_keep_their_direction():
    p = poses()
    factors = draw_bone_scales(4, BoneScales((0.7, 1.3), (0.4, 1.5)), H36M_17)
    out = scale_bones(p, factors, H36M_17.parents)
    child = [j for _, j in H36M_17.bones()]
    torch.testing.assert_close(lengths(out), lengths(p) * factors[:, None, child], rtol=1e-5, atol=1e-6)
    assert torch.equal(out[..., 0, :], p[..., 0, :])
    for q, j in H36M_17.bones():
        cos = torch.nn.functional.cosine_similarity(out[..., j, :] - out[..., q, :], p[..., j, :] - p[..., q, :], dim=-1)
        assert (cos > 1 - 1e-5).all()


def test_identity_factors_change_nothing():
    p = poses()
    torch.testing.assert_close(scale_bones(p, torch.ones(4, 17), H36M_17.parents), p)


def test_factors_are_symmetric_in_range_and_seeded():
    scales = BoneScales((0.8, 1.2), (0.5, 1.3))
    f = draw_bone_scales(500, scales, H36M_17, torch.Generator().manual_seed(1))
    g = draw_bone_scales(500, scales, H36M_17, torch.Generator().manual_seed(1))
    assert torch.equal(f, g)
    for left, right in zip(H36M_17.joints_left, H36M_17.joints_right):
        assert torch.equal(f[:, left], f[:, right])
    _, girdle = bone_groups(H36M_17)
    names = [n for n, is_g in zip(H36M_17.joint_names, girdle) if is_g]
    assert sorted(names) == ["lhip", "lshoulder", "rhip", "rshoulder"]
    g_cols, b_cols = [j for j in range(1, 17) if girdle[j]], [j for j in range(1, 17) if not girdle[j]]
    assert f[:, g_cols].min() >= 0.5 and f[:, g_cols].max() <= 1.3 and f[:, g_cols].min() < 0.6
    assert f[:, b_cols].min() >= 0.8 and f[:, b_cols].max() <= 1.2


def test_parents_after_children_are_refused():
    with pytest.raises(ValueError, match="before its children"):
        scale_bones(poses(), torch.ones(4, 3), (-1, 2, 0))
    with pytest.raises(ValueError, match="girdle"):
        BoneScales(girdle=(0.05, 1.0))


def dataset(body: BodyShapeAugment | None, flip: bool = False) -> WindowDataset:
    frames = 40
    motion = synthetic_motion(frames, seed=5).astype(np.float32)
    pos = motion - motion[:, :1]
    traj = np.tile(np.array([0.2, 0.1, 4.5], np.float32), (frames, 1))
    kp = (pos + traj[:, None])[..., :2] / (pos + traj[:, None])[..., 2:]
    seq = Sequence("S1", "Walk", 0, kp.astype(np.float32), pos, 50.0, trajectory=traj, up=np.array([0.0, -1.0, 0.0]))
    return WindowDataset([seq], 5, flip=(H36M_17, H36M_17) if flip else None, targets="sequence",
                         cameras=VirtualCameraAugment(1.0, body=body))


def test_the_2d_input_is_the_projection_of_the_reshaped_target():
    scales = BoneScales((0.7, 1.3), (0.4, 1.4))
    ds = dataset(BodyShapeAugment(scales, H36M_17))
    torch.manual_seed(0)
    x, y = ds.get(torch.arange(len(ds)))
    bound, starts, n = ds.cameras, ds.starts, len(ds)
    assert bound is not None
    torch.manual_seed(0)  # the same draws, in the same order: cameras, then bodies
    cams = draw_cameras(n, bound.augment.ranges)
    factors = draw_bone_scales(n, scales, H36M_17)
    original = gather_windows(bound.poses, starts, 5)
    reshaped = scale_bones(original, factors, H36M_17.parents)
    x2, y3 = reproject_windows(reshaped, gather_windows(bound.trajectory, starts, 5), bound.up[starts], bound.target, cams)
    torch.testing.assert_close(x, x2)
    torch.testing.assert_close(y, y3)
    ratio = lengths(y) / lengths(original)
    assert (ratio.std(dim=1) < 1e-4).all() and (ratio - 1).abs().max() > 0.1  # one body per window, reshaped


def test_flip_of_a_reshaped_window_is_its_mirror():
    ds = dataset(BodyShapeAugment(BoneScales((0.7, 1.3), (0.4, 1.4)), H36M_17), flip=True)
    n = ds.num_windows
    torch.manual_seed(0)
    x, y = ds.get(torch.arange(n))
    torch.manual_seed(0)
    xf, yf = ds.get(torch.arange(n, 2 * n))
    torch.testing.assert_close(xf, flip_horizontal(x, H36M_17))
    torch.testing.assert_close(yf, flip_horizontal(y, H36M_17))


def test_body_flags(tmp_path, capsys):
    from liftformer.cli.augment_args import from_args

    argv = ["train", "--data-2d", "x.npz", "--out", "r", "--virtual-cameras", "0.5", "--vc-girdle", "0.5,1.3"]
    aug = from_args(build_parser().parse_args(argv), H36M_17)
    assert aug is not None and aug.body is not None and aug.body.scales == BoneScales((1.0, 1.0), (0.5, 1.3))
    bad = ["train", "--data-3d", str(tmp_path / "a.npz"), "--data-2d", str(tmp_path / "b.npz"), "--out",
           str(tmp_path / "run"), "--vc-bones", "0.8,1.2"]
    assert exit_code(bad) == 2
    one_line_error(capsys, "--virtual-cameras")




def test_limbs_are_the_hips_and_shoulders_chains():
    assert limbs(H36M_17) == [(1, [2, 3]), (4, [5, 6]), (11, [12, 13]), (14, [15, 16])]


def test_swung_limbs_keep_bone_lengths_and_the_torso_and_turn_by_at_most_the_angle():
    p = poses()
    g = torch.Generator().manual_seed(0)
    turns = rotations(4 * 4, 60, g).view(4, 4, 3, 3)
    torch.testing.assert_close(turns @ turns.transpose(-1, -2), torch.eye(3).expand(4, 4, 3, 3), atol=1e-5, rtol=0)
    swung = swing_limbs(p, turns, H36M_17)
    torch.testing.assert_close(lengths(swung), lengths(p), atol=1e-5, rtol=0)
    still = [0, 1, 4, 7, 8, 9, 10, 11, 14]  # pelvis, hips, spine, thorax, neck, head, shoulders
    torch.testing.assert_close(swung[..., still, :], p[..., still, :])
    thigh, thigh_swung = p[..., 2, :] - p[..., 1, :], swung[..., 2, :] - p[..., 1, :]
    cos = (thigh * thigh_swung).sum(-1) / (thigh.norm(dim=-1) * thigh_swung.norm(dim=-1))
    assert (cos > np.cos(np.radians(60)) - 1e-5).all() and (cos < 0.999).any()  # turned, by no more than 60 degrees
    angles = torch.arccos(((turns.diagonal(dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1))
    assert angles.max() <= np.radians(60) + 1e-5
    torch.testing.assert_close(swing_limbs(p, torch.eye(3).expand(4, 4, 3, 3), H36M_17), p)


def test_the_2d_input_is_the_projection_of_the_swung_target():
    ds = dataset(BodyShapeAugment(BoneScales(), H36M_17, swing=90))
    torch.manual_seed(0)
    x, y = ds.get(torch.arange(len(ds)))
    bound, starts, n = ds.cameras, ds.starts, len(ds)
    assert bound is not None
    torch.manual_seed(0)
    cams = draw_cameras(n, bound.augment.ranges)
    turns = rotations(n * 4, 90).view(n, 4, 3, 3)
    original = gather_windows(bound.poses, starts, 5)
    x2, y3 = reproject_windows(swing_limbs(original, turns, H36M_17), gather_windows(bound.trajectory, starts, 5),
                               bound.up[starts], bound.target, cams)
    torch.testing.assert_close(x, x2)
    torch.testing.assert_close(y, y3)


def test_swing_flags(tmp_path, capsys):
    from liftformer.cli.augment_args import from_args

    argv = ["train", "--data-2d", "x.npz", "--out", "r", "--virtual-cameras", "0.5", "--vc-swing", "45"]
    aug = from_args(build_parser().parse_args(argv), H36M_17)
    assert aug is not None and aug.body is not None and aug.body.swing == 45 and aug.body.scales.is_identity
    for bad in (["--vc-swing", "200"], ["--vc-swing", "x"]):
        assert exit_code(["train", "--data-2d", "x.npz", "--out", "r", "--virtual-cameras", "0.5", *bad]) == 2
        one_line_error(capsys, "--vc-swing")
    assert exit_code(["train", "--data-3d", str(tmp_path / "a.npz"), "--data-2d", str(tmp_path / "b.npz"), "--out",
                      str(tmp_path / "run"), "--vc-swing", "30"]) == 2
    assert "--vc-bones" not in one_line_error(capsys, "--vc-swing re-poses", "--virtual-cameras")  # names what was given
