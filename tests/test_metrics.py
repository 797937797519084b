from __future__ import annotations

import numpy as np
import pytest
import torch

from liftformer.data.camera import quaternion_to_matrix
from liftformer.evaluation.metrics import mpjpe, mpjve, n_mpjpe, p_mpjpe, procrustes_align


def poses(frames=6, joints=17, seed=0):
    return np.random.default_rng(seed).normal(size=(frames, joints, 3))


def random_rotation(seed):
    return quaternion_to_matrix(np.random.default_rng(seed).normal(size=4))


def test_mpjpe_hand_computed():
    target = np.zeros((1, 2, 3))
    pred = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 1.0]]])  # errors 5 and 1
    assert mpjpe(pred, target) == pytest.approx(3.0)
    np.testing.assert_allclose(mpjpe(pred, target, reduction="none"), [3.0])


def test_similarity_copy_has_zero_p_mpjpe_but_not_zero_mpjpe():
    target = poses()
    pred = 1.7 * target @ random_rotation(1).T + np.array([0.3, -2.0, 5.0])
    assert mpjpe(pred, target) > 0.5
    assert p_mpjpe(pred, target) < 1e-9
    np.testing.assert_allclose(procrustes_align(pred, target), target, atol=1e-9)


def test_procrustes_does_not_reflect():
    """A mirror image cannot be undone by a rotation: P-MPJPE must stay clearly above zero."""
    target = poses(seed=2)
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    assert p_mpjpe(mirrored, target) > 0.1
    aligned = procrustes_align(mirrored, target)
    # the alignment is a proper similarity: pairwise distance ratios are preserved
    d_in = np.linalg.norm(mirrored[0, 0] - mirrored[0, 1])
    d_out = np.linalg.norm(aligned[0, 0] - aligned[0, 1])
    d_in2 = np.linalg.norm(mirrored[0, 2] - mirrored[0, 5])
    d_out2 = np.linalg.norm(aligned[0, 2] - aligned[0, 5])
    assert d_out / d_in == pytest.approx(d_out2 / d_in2)


def test_p_mpjpe_is_per_frame():
    target = poses(frames=2)
    pred = target.copy()
    pred[0] = 2.0 * pred[0] @ random_rotation(3).T
    pred[1] = pred[1] @ random_rotation(4).T
    np.testing.assert_allclose(p_mpjpe(pred, target, reduction="none"), [0.0, 0.0], atol=1e-9)


def test_p_mpjpe_never_worse_than_mpjpe():
    target, pred = poses(seed=5), poses(seed=6)
    assert np.all(p_mpjpe(pred, target, "none") <= mpjpe(pred, target, "none") + 1e-12)


def test_n_mpjpe_removes_scale_only():
    target = poses(seed=7)
    assert n_mpjpe(0.5 * target, target) < 1e-12
    assert mpjpe(0.5 * target, target) > 0.1
    rotated = target @ random_rotation(8).T
    assert n_mpjpe(rotated, target) > 0.1  # rotation is not undone


def test_mpjve_hand_computed():
    target = np.zeros((3, 1, 3))
    pred = np.zeros((3, 1, 3))
    pred[1, 0, 0] = 2.0  # velocity errors: frame 0→1: 2, frame 1→2: 2
    np.testing.assert_allclose(mpjve(pred, target, reduction="none"), [2.0, 2.0])
    assert mpjve(pred, target, fps=50) == pytest.approx(100.0)
    constant_offset = target + 1.0
    assert mpjve(constant_offset, target) == 0.0  # a constant offset has no velocity error
    with pytest.raises(ValueError, match="2 frames"):
        mpjve(pred[:1], target[:1])


@pytest.mark.parametrize("fn", [mpjpe, p_mpjpe, n_mpjpe, mpjve])
def test_torch_matches_numpy(fn):
    a, b = poses(seed=9), poses(seed=10)
    expected = fn(a, b, reduction="none")
    got = fn(torch.from_numpy(a), torch.from_numpy(b), reduction="none")
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-9)


def test_torch_mpjpe_is_differentiable():
    pred = torch.randn(4, 1, 17, 3, requires_grad=True)
    mpjpe(pred, torch.zeros(4, 1, 17, 3)).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0


def test_shape_mismatch_and_bad_reduction():
    with pytest.raises(ValueError, match="differ in shape"):
        mpjpe(np.zeros((2, 17, 3)), np.zeros((2, 16, 3)))
    with pytest.raises(ValueError, match="reduction"):
        mpjpe(np.zeros((2, 17, 3)), np.zeros((2, 17, 3)), reduction="sum")
