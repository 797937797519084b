from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.data.skeleton import H36M_17, MPII_16, flip_horizontal
from liftformer.inference.lifting.sequence import lift_sequence


def test_causal_model_ignores_future_frames():
    """Perturbing frames after t must leave every prediction up to t unchanged."""
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))).eval()
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
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=False))).eval()
    seq = np.random.default_rng(0).normal(size=(40, 17, 2)).astype(np.float32)
    base = lift_sequence(model, seq)
    perturbed = seq.copy()
    perturbed[26:] += 1.0
    out = lift_sequence(model, perturbed)
    assert not np.allclose(out[22:26], base[22:26])
    np.testing.assert_array_equal(out[:22], base[:22])


def test_batch_size_does_not_change_results():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs())).eval()
    seq = torch.randn(23, 17, 2)
    np.testing.assert_allclose(lift_sequence(model, seq, batch_size=1), lift_sequence(model, seq, batch_size=64), atol=1e-5)


def test_flip_augmentation_is_equivariant():
    """TTA(flip(x)) == flip(TTA(x)): the averaged prediction respects the mirror symmetry."""
    model = LiftFormer(LiftFormerConfig(num_joints_in=16, num_joints_out=17, **tiny_model_kwargs())).eval()
    seq = torch.randn(15, 16, 2)
    flip = (MPII_16, H36M_17)
    a = lift_sequence(model, flip_horizontal(seq, MPII_16), flip=flip)
    b = flip_horizontal(lift_sequence(model, seq, flip=flip), H36M_17)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(lift_sequence(model, seq), lift_sequence(model, seq, flip=flip))


def test_short_sequence_is_padded():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=27))).eval()
    assert lift_sequence(model, torch.randn(3, 17, 2)).shape == (3, 17, 3)


def test_bad_keypoints_rejected():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs()))
    with pytest.raises(ValueError, match=r"\(T, 17, 2\)"):
        lift_sequence(model, torch.randn(10, 16, 2))
    bad = torch.randn(10, 17, 2)
    bad[3, 4, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        lift_sequence(model, bad)


def test_lift_restores_training_mode():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs())).train()
    lift_sequence(model, torch.randn(5, 17, 2))
    assert model.training


# ---------------------------------------------------------------- sequence head: stitched windows


def sequence_model(**kw) -> LiftFormer:
    return LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=5, head="sequence", **kw))).eval()


def slow_stitch(model: LiftFormer, seq: torch.Tensor, stride: int) -> np.ndarray:
    """Reference: windows from frame 0 every ``stride`` frames, tail padded, one model call each."""
    n, t = model.receptive_field, len(seq)
    total, count = np.zeros((t, 17, 3)), np.zeros(t)
    start = 0
    while True:
        frames = [min(start + i, t - 1) for i in range(n)]
        with torch.no_grad():
            pred = model(seq[frames][None])[0].numpy()
        for i in range(n):
            if start + i < t:
                total[start + i] += pred[i]
                count[start + i] += 1
        if start + n >= t:
            return (total / count[:, None, None]).astype(np.float32)
        start += stride


@pytest.mark.parametrize("t", [23, 25, 3, 1])
def test_sequence_head_non_overlapping_windows_predict_every_frame_once(t):
    model = sequence_model()
    seq = torch.randn(t, 17, 2)
    out = lift_sequence(model, seq, batch_size=2)
    assert out.shape == (t, 17, 3)
    np.testing.assert_allclose(out, slow_stitch(model, seq, stride=5), atol=1e-6)
    if t == 23:  # windows [0, 5) … [20, 25), the last one padded with frame 22
        with torch.no_grad():
            np.testing.assert_allclose(out[5:10], model(seq[None, 5:10])[0].numpy(), atol=1e-6)
            np.testing.assert_allclose(out[20:], model(seq[None, [20, 21, 22, 22, 22]])[0, :3].numpy(), atol=1e-6)


@pytest.mark.parametrize("stride,t", [(1, 12), (2, 17), (4, 4)])
def test_sequence_head_overlapping_windows_are_averaged(stride, t):
    model = sequence_model()
    seq = torch.randn(t, 17, 2)
    out = lift_sequence(model, seq, batch_size=3, stride=stride)
    assert out.shape == (t, 17, 3)
    np.testing.assert_allclose(out, slow_stitch(model, seq, stride), atol=1e-5)


@pytest.mark.parametrize("stride", [1, 5])
def test_causal_sequence_lifting_ignores_future_frames(stride):
    model = sequence_model(causal=True)
    seq = np.random.default_rng(0).normal(size=(22, 17, 2)).astype(np.float32)
    base = lift_sequence(model, seq, stride=stride)
    perturbed = seq.copy()
    perturbed[13:] += 1.0
    out = lift_sequence(model, perturbed, stride=stride)
    np.testing.assert_allclose(out[:13], base[:13], atol=1e-6)
    assert not np.allclose(out[13:], base[13:])


def test_sequence_head_flip_tta_is_equivariant():
    model = LiftFormer(LiftFormerConfig(num_joints_in=16, **tiny_model_kwargs(receptive_field=5, head="sequence"))).eval()
    seq = torch.randn(12, 16, 2)
    flip = (MPII_16, H36M_17)
    a = lift_sequence(model, flip_horizontal(seq, MPII_16), flip=flip, stride=2)
    b = flip_horizontal(lift_sequence(model, seq, flip=flip, stride=2), H36M_17)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(lift_sequence(model, seq), lift_sequence(model, seq, flip=flip))


def test_stride_validated():
    with pytest.raises(ValueError, match="sequence-head"):
        lift_sequence(LiftFormer(LiftFormerConfig(**tiny_model_kwargs())), torch.randn(10, 17, 2), stride=1)
    for bad in (0, 6):
        with pytest.raises(ValueError, match=r"stride must be in \[1, 5\]"):
            lift_sequence(sequence_model(), torch.randn(10, 17, 2), stride=bad)


def test_predict_windows_reads_the_target_frame_of_a_sequence_head():
    from liftformer.inference.lifting.sequence import predict_windows

    model = sequence_model(causal=True)
    x = torch.randn(3, 5, 17, 2)
    with torch.no_grad():
        torch.testing.assert_close(predict_windows(model, x), model(x)[:, 4])
