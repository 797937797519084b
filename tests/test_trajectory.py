"""The root's camera-space path: the perspective solve, intrinsics, stature, calibration in the weights header, metrics."""

from __future__ import annotations

import numpy as np
import pytest

from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import synthetic_sequence
from liftformer.errors import CheckpointError
from liftformer.evaluation.trajectory import absolute_mpjpe, bone_length_sum, root_errors, similar_triangles_root
from liftformer.inference.lifting.pretrained import shipped_weights_path
from liftformer.inference.lifting.trajectory import (
    Calibration,
    Intrinsics,
    camera_trajectory,
    load_calibration,
    solve_root,
    stature,
    write_calibration,
)


def walk(frames: int = 60):
    """A synthetic walk: root-relative poses (T, 17, 3) and a root path 3-5 m in front of a 1000x1000 camera."""
    seq = synthetic_sequence(frames, seed=2)
    poses = seq.positions_3d - seq.positions_3d[:, :1]
    t = np.linspace(0, 1, frames)
    root = np.stack([-0.8 + 1.6 * t, 0.3 + 0.05 * np.sin(6 * t), 3.0 + 2.0 * t], -1)
    return poses.astype(np.float64), root


def project(points: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    return points[..., :2] / points[..., 2:] * np.array(intrinsics.focal) + np.array(intrinsics.center)


def test_solve_root_recovers_the_translation_exactly():
    poses, root = walk()
    cam = Intrinsics.from_fov(60.0, 1000, 1000)
    rays = cam.rays(project(poses + root[:, None], cam))
    np.testing.assert_allclose(solve_root(poses, rays), root, atol=1e-9)
    np.testing.assert_allclose(solve_root(poses, rays, depth=root[:, 2]), root, atol=1e-9)
    weights = np.ones(poses.shape[:2])
    weights[:, 3] = 0.1
    np.testing.assert_allclose(solve_root(poses, rays, weights), root, atol=1e-9)


def test_intrinsics_from_fov_and_focal():
    cam = Intrinsics.from_fov(90.0, 1920, 1080)
    assert cam.focal == pytest.approx((960.0, 960.0)) and cam.center == (960.0, 540.0) and "90" in cam.source
    assert Intrinsics.from_focal(1500, 640, 480).focal == (1500, 1500)
    np.testing.assert_allclose(cam.rays(np.array([[1920.0, 540.0]])), [[1.0, 0.0]])  # the frame's edge at 45 degrees


def test_height_removes_the_size_ambiguity_and_the_calibration_scales_depth():
    poses, root = walk()
    cam = Intrinsics.from_fov(60.0, 1000, 1000)
    pixels = project(poses + root[:, None], cam)
    small = poses * 0.9  # a lifter that believes the body 10% smaller sees it 10% closer
    raw = camera_trajectory(small, pixels, cam, Calibration(smooth_s=0.0))
    np.testing.assert_allclose(raw[:, 2], 0.9 * root[:, 2], rtol=1e-6)
    fixed = camera_trajectory(small, pixels, cam, Calibration(depth_scale=1 / 0.9, smooth_s=0.0))
    np.testing.assert_allclose(fixed, root, rtol=1e-6, atol=1e-6)
    known = camera_trajectory(small, pixels, cam, Calibration(smooth_s=0.0), height=stature(poses))
    np.testing.assert_allclose(known, root, rtol=1e-6, atol=1e-6)
    assert stature(2 * poses) == pytest.approx(2 * stature(poses)) and 1.2 < stature(poses) < 2.2


def test_depth_smoothing_takes_noise_off_and_keeps_the_path():
    poses, root = walk(200)
    cam = Intrinsics.from_fov(60.0, 1000, 1000)
    rng = np.random.default_rng(0)
    pixels = project(poses + root[:, None], cam) + rng.normal(scale=1.5, size=(200, 17, 2))
    rough = camera_trajectory(poses, pixels, cam, Calibration(smooth_s=0.0))
    smooth = camera_trajectory(poses, pixels, cam, Calibration(smooth_s=0.1))
    causal = camera_trajectory(poses, pixels, cam, Calibration(smooth_s=0.1, causal=True))
    error = {name: np.linalg.norm(r - root, axis=-1).mean() for name, r in (("rough", rough), ("smooth", smooth), ("causal", causal))}
    assert error["smooth"] < 0.7 * error["rough"] and error["causal"] < error["rough"], error


def test_calibration_lives_in_the_weights_header(tmp_path):
    shipped = shipped_weights_path()
    out = tmp_path / "with.safetensors"
    write_calibration(shipped, out, Calibration(1.05, 0.2))
    assert load_calibration(out) == Calibration(1.05, 0.2)
    bare = tmp_path / "bare.safetensors"
    from liftformer.model.checkpoint import copy_with_metadata

    copy_with_metadata(shipped, bare, {})
    from safetensors import safe_open

    with safe_open(str(bare), "np") as f:
        if "liftformer_trajectory" not in (f.metadata() or {}):
            assert load_calibration(bare) is None
    bad = tmp_path / "bad.safetensors"
    copy_with_metadata(shipped, bad, {"liftformer_trajectory": '{"depth_scale": 40}'})
    with pytest.raises(CheckpointError, match="invalid trajectory calibration"):
        load_calibration(bad)


def test_root_metrics_and_the_similar_triangles_baseline():
    poses, root = walk()
    errors = root_errors(root + np.array([0.0, 0.0, 0.3]), root)
    np.testing.assert_allclose(errors["mrpe"], 0.3)
    np.testing.assert_allclose(errors["z"], 0.3)
    np.testing.assert_allclose(errors["x"], 0.0)
    np.testing.assert_allclose(errors["depth_pct"], 30.0 / root[:, 2])
    np.testing.assert_allclose(absolute_mpjpe(poses, root + 0.1, poses, root), np.sqrt(3) * 0.1)
    cam = Intrinsics.from_fov(60.0, 1000, 1000)
    rays = cam.rays(project(poses + root[:, None], cam))
    size = float(np.median(bone_length_sum(poses, H36M_17)))
    baseline = similar_triangles_root(rays, size, H36M_17)
    assert np.abs(baseline[:, 2] - root[:, 2]).mean() / root[:, 2].mean() < 0.25  # right order, not exact: foreshortening


def _rotation_x(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


@pytest.mark.parametrize("tilt, path", [(0.0, "line"), (25.0, "line"), (25.0, "area"), (15.0, "still")])
def test_the_fitted_floor_is_level_whatever_the_camera_tilt(tilt, path):
    """A walker on a flat floor seen by a camera pitched down ``tilt`` degrees: in the fitted world frame the
    feet stay at one height just above y = 0, y is up and the path stays level."""
    from liftformer.inference.lifting.ground import fit_ground

    frames = 150
    body = synthetic_sequence(frames, seed=3).positions_3d.astype(np.float64)  # camera axes, y down
    body = body - body[:, :1]
    t = np.linspace(0, 1, frames)
    world_root = {"line": np.stack([-1.5 + 3 * t, np.zeros(frames), 4.0 + 0 * t], -1),
                  "area": np.stack([1.5 * np.cos(4 * t), np.zeros(frames), 4.5 + 1.5 * np.sin(4 * t)], -1),
                  "still": np.stack([0 * t, np.zeros(frames), 4.0 + 0 * t], -1)}[path]
    level = body + world_root[:, None]  # a level camera's view: y down, the pelvis at y = 0
    pitched = level @ _rotation_x(tilt).T  # the same scene seen by a camera pitched about x
    ground = fit_ground(pitched)
    world = ground.to_world(pitched)
    lower_ankle = world[:, [3, 6], 1].min(1)
    assert np.ptp(world[:, 0, 1]) < 0.12  # the pelvis keeps its height: no tilted floor
    assert 0.0 < np.median(lower_ankle) < 0.12 and np.ptp(lower_ankle) < 0.2
    assert np.allclose(ground.rotation @ ground.rotation.T, np.eye(3), atol=1e-9) and np.isclose(np.linalg.det(ground.rotation), 1)
    np.testing.assert_allclose(world[0, 0, [0, 2]], 0.0, atol=1e-9)  # the origin under the first root
    assert ground.from_feet or path == "still"  # walking in place: the strides may or may not span a line


def test_planted_feet_are_found_and_pinning_removes_their_slide():
    from liftformer.inference.lifting.feet import foot_contacts, foot_skate, pin_feet

    frames, fps = 200, 50.0
    body = synthetic_sequence(frames, seed=1, fps=fps).positions_3d.astype(np.float64) * np.array([1, -1, 1])  # y up
    body = body - body[:, :1]
    body[..., 1] -= body[:, [3, 6], 1].min()  # the lower ankle on the floor
    carry = np.zeros((frames, 3))  # the body carried so that its lower foot stays put: a walk with planted feet
    lower = np.array([3, 6])[np.argmin(body[:, [3, 6], 1], axis=1)]
    for t in range(1, frames):
        carry[t] = carry[t - 1] - (body[t, lower[t]] - body[t - 1, lower[t]]) * np.array([1.0, 0.0, 1.0])
    walk = body + carry[:, None]
    contacts = foot_contacts(walk, fps)
    assert contacts.any(0).all() and 0.3 < contacts.mean() < 0.95, contacts.mean()  # each foot planted part of the time
    assert foot_skate(walk, contacts) < 5.0
    jitter = np.random.default_rng(0).normal(scale=0.01, size=(frames, 3)) * np.array([1.0, 0.0, 1.0])  # a noisy root
    skating = walk + jitter[:, None]
    slid = foot_skate(skating, contacts)
    pinned = pin_feet(skating, contacts, fps)
    assert slid > 8 and foot_skate(pinned, contacts) < 0.3 * slid, (slid, foot_skate(pinned, contacts))
    np.testing.assert_allclose(pinned - pinned[:, :1], skating - skating[:, :1], atol=1e-12)  # only the root moves
    assert np.abs(pinned[:, 0] - skating[:, 0]).max() < 1.0  # the path keeps following the measured one


def test_the_streaming_follower_is_the_causal_trajectory_frame_by_frame():
    from liftformer.inference.lifting.trajectory import RootFollower

    poses, root = walk(120)
    cam = Intrinsics.from_fov(60.0, 1000, 1000)
    pixels = project(poses + root[:, None], cam) + np.random.default_rng(1).normal(scale=1.0, size=(120, 17, 2))
    calibration = Calibration(1.0, 0.3, causal=True)
    follower = RootFollower(cam, calibration, 50.0)
    streamed = np.stack([follower.push(p, px) for p, px in zip(poses, pixels)])
    np.testing.assert_allclose(streamed, camera_trajectory(poses, pixels, cam, calibration, fps=50.0), atol=1e-9)
    assert np.linalg.norm(streamed - root, axis=-1).mean() < 0.1


def test_a_root_held_at_the_nearest_depth_is_said_once(capsys):
    from liftformer.inference.lifting.trajectory import MIN_DEPTH, RootFollower

    poses, root = walk(20)
    true = Intrinsics.from_fov(60.0, 1000, 1000)
    pixels = project(poses + root[:, None], true)
    camera_trajectory(poses, pixels, true, Calibration(smooth_s=0.0))
    assert capsys.readouterr().err == ""
    wrong = Intrinsics.from_focal(2.0, 1000, 1000)  # a focal length 400x too short: the body 3-5 m away would be 1 cm
    placed = camera_trajectory(poses, pixels, wrong, Calibration(smooth_s=0.0))
    near = int((placed[:, 2] == MIN_DEPTH).sum())
    assert near > 10 and placed[:, 2].min() == MIN_DEPTH
    err = capsys.readouterr().err
    assert err == (f"warning: trajectory: the root came out nearer the camera than {MIN_DEPTH:g} m in {near} of 20 frames and is "
                   "held there: is the camera's focal length right (--focal, --fov)?\n")
    follower = RootFollower(wrong, Calibration(smooth_s=0.1, causal=True), 50.0)
    for p, px in zip(poses, pixels):
        follower.push(p, px)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nearer the camera than 0.1 m from streamed frame 0 on" in err
