from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import tiny_model_kwargs
from liftformer import LiftFormer
from liftformer.cli.main import main
from liftformer.data.synthetic import demo_keypoints
from liftformer.model.checkpoint import save_weights


@pytest.fixture()
def checkpoints(tmp_path):
    paths = {}
    for causal in (False, True):
        model = LiftFormer(**tiny_model_kwargs(receptive_field=9, causal=causal))
        paths[causal] = tmp_path / f"tiny_{'causal' if causal else 'centred'}.safetensors"
        save_weights(model, paths[causal])
    return paths


def test_bundled_demo_input_is_reproducible():
    from importlib import resources

    bundled = json.loads(resources.files("liftformer.assets").joinpath("demo_keypoints.json").read_text())
    assert bundled == json.loads(json.dumps(demo_keypoints()))


def test_demo_writes_poses_and_gif(tmp_path, checkpoints, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out-dir", str(out), "--frames", "6", "--checkpoint", str(checkpoints[False])]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / 'demo_3d.npz'}" in printed and f"wrote {out / 'demo.gif'}" in printed
    data = np.load(out / "demo_3d.npz")
    assert data["poses_3d"].shape == (6, 17, 3) and np.isfinite(data["poses_3d"]).all()
    assert (out / "demo.gif").read_bytes()[:3] == b"GIF"


def test_lift_keypoint_file_with_json_and_csv(tmp_path, checkpoints, capsys):
    kp = tmp_path / "walk.json"
    doc = demo_keypoints(num_frames=12)
    doc["frames"][4] = None  # a frame without a person is interpolated
    kp.write_text(json.dumps(doc))
    out = tmp_path / "walk_3d.npz"
    args = ["lift", str(kp), "--out", str(out), "--json", "--csv", "--checkpoint", str(checkpoints[False])]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "interpolated missing keypoints in 1 of 12 frames" in captured.err
    data = np.load(out)
    assert data["poses_3d"].shape == (12, 17, 3) and data["interpolated"][4].all()
    frames = json.loads(out.with_suffix(".json").read_text())["frames"]
    assert len(frames) == 12 and len(frames[0]["pose_3d"]) == 17
    assert len(out.with_suffix(".csv").read_text().splitlines()) == 13


def test_stream_matches_offline_causal(tmp_path, checkpoints, capsys):
    kp = tmp_path / "walk.json"
    kp.write_text(json.dumps(demo_keypoints(num_frames=15)))
    ckpt = str(checkpoints[True])
    assert main(["lift", str(kp), "--stream", "--out", str(tmp_path / "s.npz"), "--checkpoint", ckpt]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["frame"] for line in lines] == list(range(15)) and lines[0]["latency_ms"] > 0
    assert main(["lift", str(kp), "--out", str(tmp_path / "b.npz"), "--checkpoint", ckpt]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "s.npz")["poses_3d"], np.load(tmp_path / "b.npz")["poses_3d"], atol=1e-5)


def test_lift_errors_are_one_line_and_leave_no_output(tmp_path, checkpoints, capsys):
    kp = tmp_path / "short.npy"
    np.save(kp, np.random.default_rng(0).uniform(0, 100, size=(3, 16, 2)))
    out = tmp_path / "o.npz"
    # no image size
    assert main(["lift", str(kp), "--out", str(out), "--checkpoint", str(checkpoints[False])]) == 2
    assert "image size unknown" in capsys.readouterr().err
    # layout mismatch
    assert main(["lift", str(kp), "--layout", "coco", "--width", "100", "--height", "100", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "16 joints per frame, but layout coco has 17" in err
    # a short sequence (3 frames < window 9) is padded and lifted
    assert main(["lift", str(kp), "--width", "100", "--height", "100", "--out", str(out), "--checkpoint", str(checkpoints[False])]) == 0
    assert np.load(out)["poses_3d"].shape == (3, 17, 3)
    # a centred checkpoint cannot stream
    assert main(["lift", str(kp), "--stream", "--width", "100", "--height", "100", "--checkpoint", str(checkpoints[False])]) == 2
    assert "streaming needs a causal model" in capsys.readouterr().err
    assert not list(tmp_path.glob(".*tmp*"))


def test_export_cli(tmp_path, checkpoints, capsys):
    pytest.importorskip("onnxruntime")
    assert main(["export", "--onnx", str(tmp_path / "m.onnx"), "--checkpoint", str(checkpoints[True])]) == 0
    assert "max |difference|" in capsys.readouterr().out


def test_stream_uses_low_confidence_joints_never_seen_confidently(tmp_path, checkpoints, capsys):
    doc = demo_keypoints(num_frames=8)
    for frame in doc["frames"]:
        frame["keypoints"][3 * 3 + 2] = 0.1  # right ankle (H36M joint 3) always below --min-score
    kp = tmp_path / "legs.json"
    kp.write_text(json.dumps(doc))
    assert main(["lift", str(kp), "--stream", "--out", str(tmp_path / "s.npz"), "--checkpoint", str(checkpoints[True])]) == 0
    assert np.isfinite(np.load(tmp_path / "s.npz")["poses_3d"]).all()
    assert len(capsys.readouterr().out.splitlines()) == 8
