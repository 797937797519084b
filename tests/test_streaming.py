from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer
from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting import lift_sequence
from liftformer.inference.streaming import StreamingLifter


@pytest.mark.parametrize("flip", [None, (H36M_17, H36M_17)])
def test_stream_equals_batch_causal_lifting(flip):
    model = LiftFormer(**tiny_model_kwargs(receptive_field=9, causal=True)).eval()
    seq = np.random.default_rng(0).normal(size=(25, 17, 2)).astype(np.float32)
    batch = lift_sequence(model, seq, flip=flip)
    lifter = StreamingLifter(model, flip)
    streamed = np.stack([lifter.push(frame) for frame in seq])
    np.testing.assert_allclose(streamed, batch, atol=1e-5)
    lifter.reset()  # a new stream starts from scratch
    np.testing.assert_allclose(np.stack([lifter.push(f) for f in seq[10:]]), lift_sequence(model, seq[10:], flip=flip), atol=1e-5)


def test_stream_rejects_centred_models_and_bad_frames():
    with pytest.raises(ValueError, match="causal"):
        StreamingLifter(LiftFormer(**tiny_model_kwargs()))
    lifter = StreamingLifter(LiftFormer(**tiny_model_kwargs(causal=True)))
    with pytest.raises(ValueError, match=r"\(17, 2\)"):
        lifter.push(np.zeros((16, 2)))
    with pytest.raises(ValueError, match="NaN"):
        lifter.push(np.full((17, 2), np.nan))


def test_onnx_export_matches_pytorch(tmp_path):
    pytest.importorskip("onnxruntime")
    from liftformer.inference.export import export_onnx, onnx_max_abs_difference

    model = LiftFormer(**tiny_model_kwargs(receptive_field=9, share_attention=True, causal=True)).eval()
    path = tmp_path / "m.onnx"
    export_onnx(model, path)
    assert onnx_max_abs_difference(model, path, batch=7) < 1e-4
    assert not list(tmp_path.glob(".*tmp*"))
    model.blocks[0].ffn[0].bias.data += 1.0  # a different model must show up as a difference
    assert onnx_max_abs_difference(model, path) > 1e-3


def test_causal_sequence_head_streams_and_exports(tmp_path):
    """A causal sequence-head model streams its window's last frame; ONNX keeps the causal mask."""
    model = LiftFormer(**tiny_model_kwargs(receptive_field=5, causal=True, head="sequence")).eval()
    seq = torch.randn(7, 17, 2)
    lifter = StreamingLifter(model)
    streamed = np.stack([lifter.push(frame) for frame in seq])
    padded = torch.cat([seq[:1].expand(4, 17, 2), seq])
    with torch.no_grad():
        expected = model(padded.unfold(0, 5, 1).movedim(-1, 1))[:, -1].numpy()
    np.testing.assert_allclose(streamed, expected, atol=1e-5)
    pytest.importorskip("onnxruntime")
    from liftformer.inference.export import export_onnx, onnx_max_abs_difference

    export_onnx(model, tmp_path / "seq.onnx")
    assert onnx_max_abs_difference(model, tmp_path / "seq.onnx", batch=3) < 1e-4
