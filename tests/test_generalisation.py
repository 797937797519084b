"""`evaluate --suite generalisation` on synthetic VideoPose3D files: the three parts, the joint mapping, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import tiny_model_kwargs
from datasets_fixtures import save_npz, world_motion
from liftformer.cli.main import main
from liftformer.data import h36m, humaneva
from liftformer.data.skeleton import H36M_17, HUMANEVA_15, MPII_16
from liftformer.data.virtual_camera import camera_pose
from liftformer.evaluation.generalisation import SuiteConfig, frame_errors, held_out_cameras, predict_frames
from liftformer.inference.lifting.sequence import lift_sequence
from liftformer.model import LiftFormer, LiftFormerConfig
from liftformer.model.checkpoint import save_weights

# MPII-16 joint i is H36M-17 joint H36M_OF_MPII[i] (upper neck ≈ nose, head top ≈ head)
H36M_OF_MPII = (3, 2, 1, 4, 5, 6, 0, 8, 9, 10, 16, 15, 14, 11, 12, 13)


def write_data_root(root: Path) -> Path:
    """h36m/ (3D of S9, S11 and SH-like MPII-16 2D) and humaneva/ (3D and GT 2D of Validate/S1-S3)."""
    (root / "h36m").mkdir(parents=True)
    (root / "humaneva").mkdir()
    world = {s: {a: world_motion(t, seed=7 * i + j) for j, (a, t) in enumerate((("Walking", 14), ("Eating 1", 9)))}
             for i, s in enumerate(("S9", "S11"))}
    save_npz(root / "h36m" / "data_3d_h36m_17j.npz", positions_3d=world)
    gt = h36m.project_ground_truth_2d(world, h36m.cameras())
    sh = {s: {a: [v[:, list(H36M_OF_MPII)] for v in views] for a, views in acts.items()} for s, acts in gt.items()}
    meta = {"layout_name": "mpii", "num_joints": 16, "keypoints_symmetry": [list(MPII_16.joints_left), list(MPII_16.joints_right)]}
    save_npz(root / "h36m" / "data_2d_h36m_sh_pt_mpii.npz", positions_2d=sh, metadata=meta)
    data3, data2 = {}, {}
    cams = humaneva.cameras()
    for k in (1, 2, 3):
        subject = f"Validate/S{k}"
        data3[subject], data2[subject] = {}, {}
        for j, (action, t) in enumerate((("Walking 1 chunk0", 12), ("Box 1 chunk2", 7))):
            w = world_motion(t, seed=100 + 10 * k + j, joints=15)
            data3[subject][action] = w
            data2[subject][action] = [(700.0 * c[..., :2] / c[..., 2:] + np.array([320.0, 240.0])).astype(np.float32)
                                      for c in (cam.world_to_camera(w) for cam in cams[f"S{k}"])]
    meta = {"layout_name": "humaneva15", "num_joints": 15,
            "keypoints_symmetry": [list(HUMANEVA_15.joints_left), list(HUMANEVA_15.joints_right)]}
    save_npz(root / "humaneva" / "data_3d_humaneva15.npz", positions_3d=data3)
    save_npz(root / "humaneva" / "data_2d_humaneva15_gt.npz", positions_2d=data2, metadata=meta)
    return root


@pytest.fixture(scope="module")
def suite_files(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("suite")
    model = LiftFormer(LiftFormerConfig(num_joints_in=17, num_joints_out=17, **tiny_model_kwargs(receptive_field=5)))
    save_weights(model.eval(), tmp / "model.safetensors")
    return write_data_root(tmp / "data"), tmp / "model.safetensors"


def test_one_command_prints_all_three_parts(suite_files, tmp_path, capsys):
    root, ckpt = suite_files
    out = tmp_path / "suite.json"
    assert main(["evaluate", "--suite", "generalisation", "--checkpoint", str(ckpt), "--data-root", str(root),
                 "--downsample", "2", "--threads", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for text in ("(a) humaneva Validate/S1,Validate/S2,Validate/S3", "14 shared joints", "(b) h36m S9,S11",
                 "held-out (-20°, +40°)", "elevation +8° (control)", "(c) h36m S9,S11, Stacked Hourglass", "Walking"):
        assert text in printed, text
    rows = json.loads(out.read_text())
    assert len(rows) == 3 + 4 + 1  # (a) all + 2 actions, (b) held-out + 3 elevations, (c) all
    first = next(iter(rows.values()))
    assert first["frames"] == 3 * 3 * (6 + 4) and first["MPJPE"] > first["P-MPJPE"] > 0  # 3 subjects x 3 cameras


def test_humaneva_to_h36m_pairs_and_fills():
    for own, ours in humaneva.H36M_PAIRS:
        assert HUMANEVA_15.joint_names[own] == H36M_17.joint_names[ours]
    assert 14 not in {own for own, _ in humaneva.H36M_PAIRS}  # HumanEva's head top is not Human3.6M's head
    points = np.random.default_rng(0).normal(size=(4, 15, 2))
    mapped = humaneva.to_h36m(points)
    for own, ours in humaneva.H36M_PAIRS:
        np.testing.assert_array_equal(mapped[:, ours], points[:, own])
    np.testing.assert_allclose(mapped[:, 7], 0.52 * points[:, 0] + 0.48 * points[:, 1])
    np.testing.assert_allclose(mapped[:, 10], 0.45 * points[:, 1] + 0.55 * points[:, 14])
    with pytest.raises(ValueError, match="15 joints"):
        humaneva.to_h36m(points[:, :14])


def test_held_out_cameras_sit_at_their_elevation():
    cfg = SuiteConfig()
    cams = held_out_cameras(-20.0, np.array([0.0, 90.0, -135.0]), cfg)
    pivot = torch.tensor([[0.5, -0.2, 0.9]], dtype=torch.float64).expand(3, 3)
    up = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64).expand(3, 3)
    forward = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64).expand(3, 3)
    rotation, centre = camera_pose(cams, pivot, up, forward, torch.full((3,), 5.5, dtype=torch.float64))
    rise = centre - pivot
    torch.testing.assert_close(rise[:, 2], torch.full((3,), 5.5 * math.sin(math.radians(-20.0)), dtype=torch.float64))
    torch.testing.assert_close(torch.linalg.vector_norm(rise, dim=-1), torch.full((3,), 5.5, dtype=torch.float64))
    seen = torch.einsum("bij,bj->bi", rotation, pivot - centre)
    torch.testing.assert_close(seen[:, :2], torch.zeros(3, 2, dtype=torch.float64))  # pivot on the optical axis


def test_frame_errors_align_the_root_and_procrustes():
    target = np.random.default_rng(1).normal(size=(5, 14, 3))
    shifted = target + np.array([1.0, 2.0, 3.0])
    errors = frame_errors(shifted, target)
    np.testing.assert_allclose(errors["MPJPE"], 0, atol=1e-9)
    errors = frame_errors(1.3 * target, target)
    assert (errors["MPJPE"] > 1).all()
    np.testing.assert_allclose(errors["P-MPJPE"], 0, atol=1e-6)


def test_every_frame_scored_equals_lift_sequence():
    model = LiftFormer(LiftFormerConfig(num_joints_in=17, num_joints_out=17, **tiny_model_kwargs(receptive_field=5))).eval()
    keypoints = np.random.default_rng(2).normal(size=(11, 17, 2)).astype(np.float32)
    cfg = SuiteConfig(batch_size=4)
    expected = lift_sequence(model, keypoints, flip=(H36M_17, H36M_17))
    np.testing.assert_allclose(predict_frames(model, keypoints, cfg), expected, atol=1e-5)
    np.testing.assert_allclose(predict_frames(model, keypoints, SuiteConfig(frame_stride=3)), expected[::3], atol=1e-5)


@pytest.mark.parametrize("extra,message", [
    (["--cross-dataset", "custom"], "custom: has no camera calibration and no joints shared with h36m"),
    (["--cross-dataset", "h36m"], "the suite's model is trained on it"),
    (["--data-2d", "x.npz"], "drop --data-2d"),
    (["--dataset", "humaneva"], "drop --dataset"),
])
def test_bad_suite_requests_fail_in_one_line(suite_files, extra, message, capsys):
    root, ckpt = suite_files
    assert main(["evaluate", "--suite", "generalisation", "--checkpoint", str(ckpt), "--data-root", str(root), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_missing_files_and_modes_fail_in_one_line(suite_files, tmp_path, capsys):
    root, ckpt = suite_files
    empty = tmp_path / "empty"
    (empty / "h36m").mkdir(parents=True)
    (empty / "h36m" / "data_3d_h36m_17j.npz").write_bytes((root / "h36m" / "data_3d_h36m_17j.npz").read_bytes())
    cases = [
        (["--suite", "generalisation", "--data-root", str(empty)], "no data_2d_h36m_sh_pt_mpii.npz"),
        (["--suite", "generalisation"], "needs --data-root"),
        (["--data-root", str(root)], "--data-root is read by --suite generalisation only"),
        ([], "--data-2d is required"),
    ]
    for extra, message in cases:
        assert main(["evaluate", "--checkpoint", str(ckpt), *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


def test_a_model_that_is_not_h36m_17_is_refused(suite_files, tmp_path, capsys):
    root, _ = suite_files
    model = LiftFormer(LiftFormerConfig(num_joints_in=16, num_joints_out=17, **tiny_model_kwargs(receptive_field=5)))
    save_weights(model, tmp_path / "mpii.safetensors")
    assert main(["evaluate", "--suite", "generalisation", "--checkpoint", str(tmp_path / "mpii.safetensors"),
                 "--data-root", str(root)]) == 2
    assert "lifts Human3.6M-17 2D" in capsys.readouterr().err
