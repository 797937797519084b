from __future__ import annotations

import numpy as np
import pytest

from liftformer.data.layouts import BLAZEPOSE_TO_COCO, coco_to_h36m, guess_layout, mpii_to_h36m, to_h36m
from liftformer.data.skeleton import COCO_17, H36M_17, MPII_16
from liftformer.data.synthetic import synthetic_sequence


def named(points, skeleton):
    return {name: points[..., i, :] for i, name in enumerate(skeleton.joint_names)}


def test_coco_to_h36m_rules():
    coco = np.random.default_rng(0).uniform(0, 100, size=(4, 17, 2))
    c, h = named(coco, COCO_17), named(coco_to_h36m(coco), H36M_17)
    np.testing.assert_allclose(h["pelvis"], (c["lhip"] + c["rhip"]) / 2)
    np.testing.assert_allclose(h["thorax"], (c["lshoulder"] + c["rshoulder"]) / 2)
    np.testing.assert_allclose(h["spine"], (h["pelvis"] + h["thorax"]) / 2)
    np.testing.assert_allclose(h["head"], (c["leye"] + c["reye"]) / 2)
    np.testing.assert_allclose(h["nose"], c["nose"])
    for limb in ("lhip", "rknee", "lankle", "rshoulder", "lelbow", "rwrist"):
        np.testing.assert_allclose(h[limb], c[limb])


def test_scores_of_derived_joints_are_the_minimum():
    coco = np.ones((17, 3))
    coco[11, 2] = 0.2  # left hip unsure
    h = coco_to_h36m(coco)
    assert h[0, 2] == pytest.approx(0.2) and h[7, 2] == pytest.approx(0.2)  # pelvis, spine
    assert h[8, 2] == 1.0  # thorax does not use the hips


def test_mpii_to_h36m_rules():
    mpii = np.random.default_rng(1).uniform(0, 100, size=(16, 2))
    m, h = named(mpii, MPII_16), named(mpii_to_h36m(mpii), H36M_17)
    np.testing.assert_allclose(h["pelvis"], m["pelvis"])
    np.testing.assert_allclose(h["spine"], (m["pelvis"] + m["thorax"]) / 2)
    np.testing.assert_allclose(h["head"], m["head_top"])
    np.testing.assert_allclose(h["nose"], (m["upper_neck"] + m["head_top"]) / 2)
    np.testing.assert_allclose(h["rwrist"], m["rwrist"])


def test_blazepose_goes_through_coco():
    blaze = np.random.default_rng(2).normal(size=(3, 33, 3))
    np.testing.assert_allclose(to_h36m(blaze, "blazepose"), coco_to_h36m(blaze[:, list(BLAZEPOSE_TO_COCO)]))
    assert BLAZEPOSE_TO_COCO[COCO_17.joint_names.index("lwrist")] == 15  # BlazePose left wrist


def test_wrong_joint_count_and_unknown_layout():
    with pytest.raises(ValueError, match="coco keypoints have 17 joints"):
        coco_to_h36m(np.zeros((5, 16, 2)))
    with pytest.raises(ValueError, match="unknown keypoint layout"):
        to_h36m(np.zeros((5, 17, 2)), "openpose")


def test_guess_layout_tells_coco_from_h36m():
    h36m = synthetic_sequence(20, seed=4).keypoints_px
    assert guess_layout(h36m) == "h36m"
    # a COCO pose: eyes (1, 2) a few pixels apart next to the nose
    coco = np.zeros((20, 17, 2))
    coco[:, :, 1] = np.linspace(100, 500, 17)
    coco[:, 1] = coco[:, 0] + [5, -3]
    coco[:, 2] = coco[:, 0] + [-5, -3]
    assert guess_layout(coco) == "coco"
    assert guess_layout(np.zeros((3, 16, 2))) == "mpii" and guess_layout(np.zeros((3, 33, 2))) == "blazepose"
    with pytest.raises(ValueError, match="12-joint"):
        guess_layout(np.zeros((3, 12, 2)))
