"""Where 2D detectors mark the hips against Human3.6M's joint centres (evaluation/definitions.py)."""

from __future__ import annotations

import numpy as np
import pytest

from liftformer.data.camera import project_to_2d_linear
from liftformer.data.synthetic import synthetic_sequence
from liftformer.evaluation.definitions import HipOffset, fit_hip_offset, to_detector_hips


def project(points: np.ndarray) -> np.ndarray:
    return project_to_2d_linear(points, np.array([1150.0, 1150.0]), np.array([500.0, 500.0]))


def test_moving_the_hips_keeps_every_other_joint_and_moves_the_hips_as_asked():
    poses = synthetic_sequence(20, seed=3).positions_3d.astype(np.float64)
    np.testing.assert_array_equal(to_detector_hips(poses, HipOffset(0.0, 1.0)), poses)
    moved = to_detector_hips(poses, HipOffset(0.1, 0.75))
    others = [j for j in range(17) if j not in (0, 1, 4)]
    np.testing.assert_array_equal(moved[:, others], poses[:, others])
    torso = poses[:, 8] - poses[:, 0]
    np.testing.assert_allclose(moved[:, 0], poses[:, 0] - 0.1 * torso)
    width = np.linalg.norm(moved[:, 1] - moved[:, 4], axis=-1) / np.linalg.norm(poses[:, 1] - poses[:, 4], axis=-1)
    np.testing.assert_allclose(width, 0.75)
    assert moved.shape == poses.shape and not np.shares_memory(moved, poses)


@pytest.mark.parametrize("down, width", [(0.05, 0.74), (-0.03, 1.2), (0.0, 1.0)])
def test_the_fit_recovers_a_known_offset_from_projected_pairs(down, width):
    poses = np.concatenate([synthetic_sequence(60, seed=s).positions_3d.astype(np.float64) for s in range(4)])
    truth, detected = project(poses), project(to_detector_hips(poses, HipOffset(down, width)))
    rng = np.random.default_rng(0)
    detected[:, [1, 4]] += rng.normal(0, 0.5, detected[:, [1, 4]].shape)  # half a pixel of noise
    fit = fit_hip_offset(truth, detected)
    assert fit.down == pytest.approx(down, abs=0.01) and fit.width == pytest.approx(width, abs=0.03)
    assert fit.frames == len(poses)


def test_the_fit_skips_frames_with_missing_joints_and_refuses_what_it_cannot_read():
    poses = synthetic_sequence(30, seed=1).positions_3d.astype(np.float64)
    truth, detected = project(poses), project(to_detector_hips(poses, HipOffset(0.05, 0.8)))
    detected[:5, 3] = np.nan
    assert fit_hip_offset(truth, detected).frames == 25
    with pytest.raises(ValueError, match="two \\(N, 17, 2\\) arrays"):
        fit_hip_offset(truth, detected[:, :16])
    side = truth.copy()
    side[:, 4] = side[:, 1]  # hips on top of each other: every body seen from the side
    with pytest.raises(ValueError, match="from the side"):
        fit_hip_offset(side, side)
