from __future__ import annotations

import numpy as np
import pytest
import torch

from liftformer.data.skeleton import COCO_17, H36M_17, HUMANEVA_15, MPII_16, SKELETONS, flip_horizontal


@pytest.mark.parametrize("skeleton", SKELETONS.values(), ids=lambda s: s.name)
def test_left_right_pairs_are_named_consistently(skeleton):
    for left, right in zip(skeleton.joints_left, skeleton.joints_right):
        ln, rn = skeleton.joint_names[left], skeleton.joint_names[right]
        assert ln.startswith("l") and rn.startswith("r") and ln[1:] == rn[1:], (ln, rn)


@pytest.mark.parametrize("skeleton", SKELETONS.values(), ids=lambda s: s.name)
def test_flip_is_an_involution(skeleton):
    pose = np.random.default_rng(1).normal(size=(5, skeleton.num_joints, 3))
    flipped = flip_horizontal(pose, skeleton)
    assert not np.allclose(flipped, pose)
    np.testing.assert_array_equal(flip_horizontal(flipped, skeleton), pose)


def test_flip_mirrors_x_and_swaps_sides():
    pose = np.zeros((17, 2))
    pose[H36M_17.joint_names.index("lwrist")] = [0.3, 0.1]
    flipped = flip_horizontal(pose, H36M_17)
    np.testing.assert_array_equal(flipped[H36M_17.joint_names.index("rwrist")], [-0.3, 0.1])
    np.testing.assert_array_equal(flipped[H36M_17.joint_names.index("lwrist")], [0.0, 0.0])


def test_flip_torch_matches_numpy_and_keeps_input():
    pose = np.random.default_rng(2).normal(size=(2, 9, 16, 2)).astype(np.float32)
    t = torch.from_numpy(pose.copy())
    out = flip_horizontal(t, MPII_16)
    np.testing.assert_array_equal(out.numpy(), flip_horizontal(pose, MPII_16))
    np.testing.assert_array_equal(t.numpy(), pose)


def test_flip_rejects_wrong_joint_count():
    with pytest.raises(ValueError, match="16 joints"):
        flip_horizontal(np.zeros((16, 2)), H36M_17)


def test_roots_and_sizes():
    assert (H36M_17.num_joints, MPII_16.num_joints, HUMANEVA_15.num_joints, COCO_17.num_joints) == (17, 16, 15, 17)
    assert H36M_17.parents[0] == -1 and MPII_16.parents[6] == -1 and HUMANEVA_15.parents[0] == -1
