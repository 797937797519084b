from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting.sequence import lift_sequence
from liftformer.inference.lifting.streaming import StreamingLifter


@pytest.mark.parametrize("flip", [None, (H36M_17, H36M_17)])
def test_stream_equals_batch_causal_lifting(flip):
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))).eval()
    seq = np.random.default_rng(0).normal(size=(25, 17, 2)).astype(np.float32)
    batch = lift_sequence(model, seq, flip=flip)
    lifter = StreamingLifter(model, flip)
    streamed = np.stack([lifter.push(frame) for frame in seq])
    np.testing.assert_allclose(streamed, batch, atol=1e-5)
    lifter.reset()  # a new stream starts from scratch
    np.testing.assert_allclose(np.stack([lifter.push(f) for f in seq[10:]]), lift_sequence(model, seq[10:], flip=flip), atol=1e-5)


def test_stream_rejects_centred_models_and_bad_frames():
    with pytest.raises(ValueError, match="causal"):
        StreamingLifter(LiftFormer(LiftFormerConfig(**tiny_model_kwargs())))
    lifter = StreamingLifter(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(causal=True))))
    with pytest.raises(ValueError, match=r"\(17, 2\)"):
        lifter.push(np.zeros((16, 2)))
    with pytest.raises(ValueError, match="NaN"):
        lifter.push(np.full((17, 2), np.nan))


def test_onnx_export_matches_pytorch(tmp_path):
    pytest.importorskip("onnxruntime")
    from liftformer.inference.writers.export import export_onnx, onnx_max_abs_difference

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, share_attention=True, causal=True))).eval()
    path = tmp_path / "m.onnx"
    export_onnx(model, path)
    assert onnx_max_abs_difference(model, path, batch=7) < 1e-4
    assert not list(tmp_path.glob(".*tmp*"))
    model.blocks[0].ffn[0].bias.data += 1.0  # a different model must show up as a difference
    assert onnx_max_abs_difference(model, path) > 1e-3


def test_causal_sequence_head_streams_and_exports(tmp_path):
    """A causal sequence-head model streams its window's last frame; ONNX keeps the causal mask."""
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=5, causal=True, head="sequence"))).eval()
    seq = torch.randn(7, 17, 2)
    lifter = StreamingLifter(model)
    streamed = np.stack([lifter.push(frame) for frame in seq])
    padded = torch.cat([seq[:1].expand(4, 17, 2), seq])
    with torch.no_grad():
        expected = model(padded.unfold(0, 5, 1).movedim(-1, 1))[:, -1].numpy()
    np.testing.assert_allclose(streamed, expected, atol=1e-5)
    pytest.importorskip("onnxruntime")
    from liftformer.inference.writers.export import export_onnx, onnx_max_abs_difference

    export_onnx(model, tmp_path / "seq.onnx")
    assert onnx_max_abs_difference(model, tmp_path / "seq.onnx", batch=3) < 1e-4


def _points(rng: np.random.Generator, frames: int, joints: int = 17, score: float = 0.9) -> np.ndarray:
    """(T, J, 3) pixel x, y, score in a 1000x1000 image."""
    return np.concatenate([rng.uniform(300, 700, size=(frames, joints, 2)), np.full((frames, joints, 1), score)], -1)


@pytest.mark.parametrize("layout", ["coco", "h36m"])
def test_keypoint_stream_matches_offline_causal_lifting(layout):
    from liftformer.inference.lifting.streaming import KeypointStream
    from liftformer.inference.sources.keypoints import Keypoints2D
    from liftformer.inference.tracks.prepare import prepare_keypoints

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))).eval()
    points = _points(np.random.default_rng(1), 20)
    prepared = prepare_keypoints(Keypoints2D(points[..., :2], points[..., 2], layout, 1000, 1000), min_score=0.3)
    offline = lift_sequence(model, prepared.keypoints, flip=(H36M_17, H36M_17))
    stream = KeypointStream(model, layout, (1000, 1000), min_score=0.3, flip=True)
    results = [stream.push(p) for p in points]
    assert [r.frame for r in results] == list(range(20))
    np.testing.assert_allclose(np.stack([r.pose for r in results]), offline, atol=1e-5)
    np.testing.assert_allclose(np.stack([r.pixels for r in results]), prepared.pixels, atol=1e-3)
    assert not np.stack([r.filled for r in results]).any() and not stream.long_gaps and not stream.notes


def test_keypoint_stream_keeps_input_frame_numbers_and_reports_gaps():
    from liftformer.inference.lifting.streaming import KeypointStream

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))).eval()
    points = _points(np.random.default_rng(2), 30)
    points[3, 5, :2] = np.nan  # joint 5 not yet seen: no pose for frames 0-3
    stream = KeypointStream(model, "h36m", (1000, 1000), min_score=0.3, max_gap=2)
    assert stream.push(None) is None and stream.push(np.full((17, 3), np.nan)) is None
    assert stream.push(points[2]) is not None  # every joint seen: frame 2 is the first pose
    assert stream.first == 2
    held = points[2].copy()
    frame = points[3].copy()
    frame[5, :2] = np.nan  # missing joint: holds its last position
    frame[7, 2] = 0.1  # below min_score after being seen: held too
    r = stream.push(frame)
    assert r.frame == 3 and np.flatnonzero(r.filled).tolist() == [5, 7]
    np.testing.assert_allclose(r.pixels[[5, 7]], held[[5, 7], :2], atol=1e-3)
    np.testing.assert_allclose(r.pixels[0], frame[0, :2], atol=1e-3)
    gap = [stream.push(None) for _ in range(3)]  # frames 4-6: longer than max_gap
    assert [g.frame for g in gap] == [4, 5, 6] and all(g.filled.all() for g in gap)
    assert stream.push(points[7]).frame == 7 and stream.long_gaps == [(4, 7)]
    stream.push(None), stream.push(None)  # frames 8-9: not longer than max_gap
    stream.push(points[10])
    for _ in range(3):  # frames 11-13 end the stream without a person
        stream.push(None)
    stream.finish()
    assert stream.long_gaps == [(4, 7), (11, 14)] and stream.frames == 14


def test_keypoint_stream_uses_joints_never_seen_confidently():
    from liftformer.inference.lifting.streaming import KeypointStream

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))).eval()
    points = _points(np.random.default_rng(3), 5)
    points[:, 3, 2] = 0.1  # right ankle always below min_score: its estimate is followed, marked filled
    stream = KeypointStream(model, "h36m", (1000, 1000), min_score=0.3)
    results = [stream.push(p) for p in points]
    assert all(r is not None and r.filled.tolist() == [j == 3 for j in range(17)] for r in results)
    np.testing.assert_allclose(results[-1].pixels[3], points[-1, 3, :2], atol=1e-3)
    assert stream.notes == ["joints 3 (h36m) never reach confidence 0.3: their low-confidence positions are used"]
    with pytest.raises(ValueError, match=r"\(17, 3\)"):
        stream.push(np.zeros((33, 3)))


def test_a_stream_closed_before_its_first_frame_releases_its_detector(tmp_path, monkeypatch):
    import imageio.v2 as imageio

    from liftformer.inference.lifting import streaming
    from liftformer.inference.options import LiftOptions
    from liftformer.inference.sources import read

    class Detector:
        layout, closed = "h36m", 0

        def close(self) -> None:
            assert not self.closed, "closed twice"  # as MediaPipe's graphs refuse
            self.closed += 1

        def detect_people(self, frame):
            return np.zeros((0, 17, 3))

    video = tmp_path / "clip.mp4"
    imageio.mimwrite(video, [np.zeros((64, 64, 3), np.uint8)] * 3, fps=12, codec="libx264", macro_block_size=16)
    made: list[Detector] = []
    monkeypatch.setattr(read, "people_detector", lambda name: made.append(Detector()) or made[-1])
    for options in (LiftOptions(person="all"), LiftOptions(detector="fused")):  # several people; the largest of several
        for started in (False, True):
            source = (streaming.people_video_source if options.person == "all" else streaming.video_source)(str(video), options)
            if started:
                next(source.frames)
            source.close()
            assert made[-1].closed == 1  # once: by the frames once started, by release before


def test_the_largest_of_several_is_followed_by_id():
    from liftformer.inference.lifting.streaming import StreamSource, largest_source

    def person(size: float) -> np.ndarray:
        return np.concatenate([np.random.default_rng(0).uniform(0, size, (17, 2)), np.ones((17, 1))], 1)

    small, big, bigger = person(10), person(50), person(90)
    frames = [{1: small, 2: big}, {1: bigger, 2: big}, {}, {1: bigger}, {1: small, 2: big}]
    one = largest_source(StreamSource((f for f in frames), "h36m", (100, 100), 25.0))
    out = list(one.frames)
    assert out[0] is big and out[1] is big and out[2] is None  # person 2, though 1 grows larger
    assert out[3] is bigger and out[4] is small  # 2 gone: the largest then, 1, followed from then on
