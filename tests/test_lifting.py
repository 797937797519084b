from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer
from liftformer.data.skeleton import H36M_17, MPII_16, flip_horizontal
from liftformer.inference.lifting import lift_sequence


def test_causal_model_ignores_future_frames():
    """Perturbing frames after t must leave every prediction up to t unchanged."""
    model = LiftFormer(**tiny_model_kwargs(receptive_field=9, causal=True)).eval()
    seq = np.random.default_rng(0).normal(size=(40, 17, 2)).astype(np.float32)
    base = lift_sequence(model, seq, batch_size=7)
    t0 = 25
    perturbed = seq.copy()
    perturbed[t0 + 1 :] += np.random.default_rng(1).normal(size=perturbed[t0 + 1 :].shape).astype(np.float32)
    out = lift_sequence(model, perturbed, batch_size=7)
    np.testing.assert_array_equal(out[: t0 + 1], base[: t0 + 1])
    assert not np.allclose(out[t0 + 1 :], base[t0 + 1 :])


def test_centred_model_does_see_future_frames():
    """The same perturbation reaches a centred model's past predictions: the test above can fail."""
    model = LiftFormer(**tiny_model_kwargs(receptive_field=9, causal=False)).eval()
    seq = np.random.default_rng(0).normal(size=(40, 17, 2)).astype(np.float32)
    base = lift_sequence(model, seq)
    perturbed = seq.copy()
    perturbed[26:] += 1.0
    out = lift_sequence(model, perturbed)
    assert not np.allclose(out[22:26], base[22:26])
    np.testing.assert_array_equal(out[:22], base[:22])


def test_batch_size_does_not_change_results():
    model = LiftFormer(**tiny_model_kwargs()).eval()
    seq = torch.randn(23, 17, 2)
    np.testing.assert_allclose(lift_sequence(model, seq, batch_size=1), lift_sequence(model, seq, batch_size=64), atol=1e-5)


def test_flip_augmentation_is_equivariant():
    """TTA(flip(x)) == flip(TTA(x)): the averaged prediction respects the mirror symmetry."""
    model = LiftFormer(num_joints_in=16, num_joints_out=17, **tiny_model_kwargs()).eval()
    seq = torch.randn(15, 16, 2)
    flip = (MPII_16, H36M_17)
    a = lift_sequence(model, flip_horizontal(seq, MPII_16), flip=flip)
    b = flip_horizontal(lift_sequence(model, seq, flip=flip), H36M_17)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(lift_sequence(model, seq), lift_sequence(model, seq, flip=flip))


def test_short_sequence_is_padded():
    model = LiftFormer(**tiny_model_kwargs(receptive_field=27)).eval()
    assert lift_sequence(model, torch.randn(3, 17, 2)).shape == (3, 17, 3)


def test_bad_keypoints_rejected():
    model = LiftFormer(**tiny_model_kwargs())
    with pytest.raises(ValueError, match=r"\(T, 17, 2\)"):
        lift_sequence(model, torch.randn(10, 16, 2))
    bad = torch.randn(10, 17, 2)
    bad[3, 4, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        lift_sequence(model, bad)


def test_lift_restores_training_mode():
    model = LiftFormer(**tiny_model_kwargs()).train()
    lift_sequence(model, torch.randn(5, 17, 2))
    assert model.training
