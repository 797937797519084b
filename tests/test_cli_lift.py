from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error, tiny_model_kwargs, two_people_json, with_trajectory
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.cli.main import main
from liftformer.data.synthetic import demo_keypoints
from liftformer.model.checkpoint import save_weights


@pytest.fixture()
def checkpoints(tmp_path):
    paths = {}
    for causal in (False, True):
        model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=causal)))
        paths[causal] = tmp_path / f"tiny_{'causal' if causal else 'centred'}.safetensors"
        save_weights(model, paths[causal], with_trajectory())
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


def walk_file(tmp_path, name: str = "walk.json", frames: int = 12, empty: tuple[int, ...] = ()) -> Path:
    doc = demo_keypoints(num_frames=frames)
    for t in empty:
        doc["frames"][t] = None
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_lift_refuses_to_overwrite_its_input(tmp_path, checkpoints, capsys):
    kp = walk_file(tmp_path, "poses.json")
    before = kp.read_bytes()
    ckpt = ["--checkpoint", str(checkpoints[False])]
    assert main(["lift", str(kp), "--out", str(tmp_path / "poses.npz"), "--json", *ckpt]) == 2
    one_line_error(capsys, "--json", "is the input")
    csv_in = tmp_path / "poses.csv"
    np.savetxt(csv_in, np.random.default_rng(0).uniform(0, 99, size=(4, 17 * 3)), delimiter=",")
    csv_before = csv_in.read_bytes()
    assert main(["lift", str(csv_in), "--width", "100", "--height", "100", "--csv", "--out", str(tmp_path / "poses.npz"), *ckpt]) == 2
    one_line_error(capsys, "--csv", "is the input")
    assert main(["lift", str(kp), "--stream", "--json", "--out", str(tmp_path / "poses"), "--checkpoint", str(checkpoints[True])]) == 2
    one_line_error(capsys, "is the input")
    assert main(["lift", str(kp), "--out", str(tmp_path / "poses.json"), *ckpt]) == 2  # not silently poses.npz
    one_line_error(capsys, "--out", "written as .npz", "poses.npz")
    assert kp.read_bytes() == before and csv_in.read_bytes() == csv_before
    assert not (tmp_path / "poses.npz").exists() and capsys.readouterr().out == ""


def test_lift_checks_output_directories_before_work(tmp_path, checkpoints, capsys, monkeypatch):
    import liftformer.inference.lifting.pretrained as pretrained

    monkeypatch.setattr(pretrained, "load_model", lambda *a, **k: pytest.fail("lifted before checking outputs"))
    kp = walk_file(tmp_path)
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    for flag, path in [("--out", blocker / "x.npz"), ("--render", blocker / "x.gif"), ("--out", "/proc/x.npz")]:
        assert main(["lift", str(kp), flag, str(path)]) == 2
        one_line_error(capsys, flag, "cannot write to directory")
        assert main(["lift", str(kp), "--stream", flag, str(path)]) == 2
        one_line_error(capsys, flag, "cannot write to directory")
    assert main(["demo", "--out-dir", str(blocker)]) == 2
    one_line_error(capsys, "--out-dir", "cannot write to directory")
    # a bad render suffix fails before the npz is written
    assert main(["lift", str(kp), "--out", str(tmp_path / "o.npz"), "--render", str(tmp_path / "o.avi")]) == 2
    one_line_error(capsys, "o.avi", ".mp4 or .gif")
    assert not (tmp_path / "o.npz").exists()


@pytest.mark.parametrize("argv, needle", [
    (["--width", "-5"], "argument --width: expected a positive integer"),
    (["--height", "0"], "argument --height: expected a positive integer"),
    (["--batch-size", "0"], "argument --batch-size: expected a positive integer"),
    (["--threads", "0"], "argument --threads: expected a positive integer"),
    (["--max-gap", "-1"], "argument --max-gap: expected an integer ≥ 0"),
    (["--min-score", "1.5"], "argument --min-score: expected a number in [0, 1]"),
    (["--fps", "0"], "argument --fps: expected a positive number"),
    (["--fps", "nan"], "argument --fps"),
    (["--max-people", "0"], "argument --max-people: expected a positive integer"),
    (["--fov", "5"], "argument --fov: expected degrees in (10, 170)"),
    (["--fov", "170"], "argument --fov: expected degrees in (10, 170)"),
    (["--focal", "-3"], "argument --focal: expected pixels in [10, 1000000], got '-3'"),
    (["--focal", "1e12"], "argument --focal: expected pixels in [10, 1000000], got '1e12'"),
    (["--focal", "1"], "argument --focal: expected pixels in [10, 1000000], got '1'"),
    (["--width", "100001"], "argument --width: expected a positive integer ≤ 100000 (pixels), got '100001'"),
    (["--height", "1e9"], "argument --height: expected a positive integer ≤ 100000 (pixels)"),
    (["--person-height", "2.7"], "argument --person-height: expected metres in (0.5, 2.5)"),
    (["--person-height", "0.5"], "argument --person-height: expected metres in (0.5, 2.5)"),
    (["--person-height", "1.7,1.6"], "argument --person-height: expected metres in (0.5, 2.5)"),
    (["--person-height", "1=1.7,2=2.6"], "argument --person-height: expected metres in (0.5, 2.5), or ID=METRES"),
    (["--person-height", "0=1.7"], "(ids ≥ 1, each once)"),
    (["--person-height", "1=1.7,1=1.6"], "(ids ≥ 1, each once)"),
    (["--person-height", "one=1.7"], "argument --person-height: expected metres"),
    (["--fov", "60", "--focal", "900"], "argument --focal: not allowed with argument --fov"),
])
def test_lift_rejects_bad_values_at_parse_time(tmp_path, capsys, argv, needle):
    with pytest.raises(SystemExit) as exit_:
        main(["lift", str(walk_file(tmp_path)), *argv])
    assert exit_.value.code == 2
    one_line_error(capsys, needle)


def test_demo_rejects_bad_frame_count(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--frames", "-3"])
    assert exit_.value.code == 2
    one_line_error(capsys, "argument --frames: expected a positive integer")


def test_written_files_are_named_at_once_even_if_render_is_interrupted(tmp_path, checkpoints, capsys, monkeypatch):
    import liftformer.inference.writers.render as render

    def interrupted(images, path, fps):
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "write_video", interrupted)
    out = tmp_path / "o.npz"
    args = ["lift", str(walk_file(tmp_path)), "--out", str(out), "--json", "--render", str(tmp_path / "o.gif"),
            "--checkpoint", str(checkpoints[False])]
    assert main(args) == 130
    captured = capsys.readouterr()
    assert f"wrote {out}\nwrote {out.with_suffix('.json')}\n" in captured.out and "interrupted" in captured.err
    assert out.exists() and not (tmp_path / "o.gif").exists()


def test_lifting_files_with_gaps_warns_nothing_from_numpy(tmp_path, checkpoints, capsys):
    points = np.random.default_rng(0).uniform(100, 900, size=(30, 17, 3))
    points[:, :, 2] = 0.9
    points[[0, 1, 10, 11, 12]] = np.nan  # frames without a person: all-NaN rows, no layout in the file
    kp = tmp_path / "gaps.npy"
    np.save(kp, points)
    common = [str(kp), "--width", "1000", "--height", "1000", "--max-gap", "2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["lift", *common, "--out", str(tmp_path / "a.npz"), "--checkpoint", str(checkpoints[False])]) == 0
        assert main(["lift", *common, "--stream", "--out", str(tmp_path / "b.npz"), "--checkpoint", str(checkpoints[True])]) == 0
    assert "RuntimeWarning" not in capsys.readouterr().err


def test_stream_keeps_input_frame_numbers_and_reports_gaps(tmp_path, checkpoints, capsys):
    kp = walk_file(tmp_path, frames=30, empty=(0, 1, 2, *range(10, 25)))
    ckpt = str(checkpoints[True])
    out = tmp_path / "s.npz"
    assert main(["lift", str(kp), "--stream", "--out", str(out), "--json", "--csv", "--checkpoint", ckpt]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["frame"] for line in lines] == list(range(3, 30))
    assert "no pose for input frames 0-2 (3 frames)" in captured.err
    assert "warning: no person in frames 10-24 (0.3 s): poses there are held" in captured.err
    assert f"wrote {out}" in captured.err and f"wrote {out.with_suffix('.json')}" in captured.err
    data = np.load(out)
    assert data["frames"].tolist() == list(range(3, 30)) and data["poses_3d"].shape == (27, 17, 3)
    assert data["interpolated"][10 - 3 : 25 - 3].all() and not data["interpolated"][: 10 - 3].any()
    assert not data["interpolated"][25 - 3 :].any()
    assert [f["frame"] for f in json.loads(out.with_suffix(".json").read_text())["frames"]] == list(range(3, 30))
    assert out.with_suffix(".csv").read_text().splitlines()[1].startswith("3,")
    # before the gap, the stream is the causal offline lifting of the same input frames
    assert main(["lift", str(kp), "--out", str(tmp_path / "b.npz"), "--checkpoint", ckpt]) == 0
    np.testing.assert_allclose(data["poses_3d"][:7], np.load(tmp_path / "b.npz")["poses_3d"][3:10], atol=1e-5)


def test_pose_values_are_rounded_without_float_noise(tmp_path, checkpoints, capsys):
    kp = walk_file(tmp_path)
    out = tmp_path / "s.npz"
    assert main(["lift", str(kp), "--stream", "--json", "--out", str(out), "--checkpoint", str(checkpoints[True])]) == 0
    streamed = "".join(json.dumps(json.loads(line)["pose_3d"]) for line in capsys.readouterr().out.splitlines())
    saved = json.dumps([f["pose_3d"] for f in json.loads(out.with_suffix(".json").read_text())["frames"]])
    assert max(len(d) for d in re.findall(r"\.(\d+)", streamed)) <= 4  # not -0.0005000000237487257
    assert max(len(d) for d in re.findall(r"\.(\d+)", saved)) <= 5


def test_stream_threads_default_to_one_and_are_restored(tmp_path, checkpoints, capsys, monkeypatch):
    import torch

    from liftformer.inference.lifting.streaming import KeypointStream

    seen = []
    push = KeypointStream.push
    monkeypatch.setattr(KeypointStream, "push", lambda self, p: (seen.append(torch.get_num_threads()), push(self, p))[1])
    before = torch.get_num_threads()
    args = ["lift", str(walk_file(tmp_path)), "--stream", "--out", str(tmp_path / "s.npz"), "--checkpoint", str(checkpoints[True])]
    assert main(args) == 0 and set(seen) == {1}
    seen.clear()
    assert main([*args, "--threads", "2"]) == 0 and set(seen) == {2}
    assert torch.get_num_threads() == before


def test_interrupted_stream_saves_what_was_streamed(tmp_path, checkpoints, capsys, monkeypatch):
    from liftformer.inference.lifting.streaming import KeypointStream

    push = KeypointStream.push

    def push_until_five(self, points):
        if self.frames == 5:
            raise KeyboardInterrupt
        return push(self, points)

    monkeypatch.setattr(KeypointStream, "push", push_until_five)
    out = tmp_path / "s.npz"
    assert main(["lift", str(walk_file(tmp_path)), "--stream", "--out", str(out), "--checkpoint", str(checkpoints[True])]) == 130
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 5 and f"wrote {out}" in captured.err
    assert np.load(out)["frames"].tolist() == [0, 1, 2, 3, 4]


def test_a_forced_layout_that_contradicts_the_keypoints_is_refused(tmp_path, checkpoints, capsys):
    kp = walk_file(tmp_path)  # H36M-17 keypoints
    for stream, ckpt in ((False, checkpoints[False]), (True, checkpoints[True])):
        args = ["lift", str(kp), "--out", str(tmp_path / "o.npz"), "--checkpoint", str(ckpt), *["--stream"] * stream]
        assert main([*args, "--layout", "coco"]) == 2
        one_line_error(capsys, f"--layout coco: {kp} holds H36M-17 keypoints, not COCO-17", "drop --layout or pass --layout h36m")
        assert not (tmp_path / "o.npz").exists()
        assert main([*args, "--layout", "h36m"]) == 0
        (tmp_path / "o.npz").unlink()
        capsys.readouterr()
    wrong_count = tmp_path / "k16.npy"  # streaming names the file as offline lifting does
    np.save(wrong_count, np.random.default_rng(0).uniform(0, 100, size=(4, 16, 2)))
    assert main(["lift", str(wrong_count), "--stream", "--layout", "coco", "--width", "100", "--height", "100",
                 "--checkpoint", str(checkpoints[True]), "--out", str(tmp_path / "o.npz")]) == 2
    one_line_error(capsys, f"{wrong_count}: 16 joints per frame, but layout coco has 17")


def crowd_file(tmp_path, crowd: int, frames: int = 12) -> Path:
    """The demo walk with ``crowd`` more persons, small and apart on a grid, in frame 0 only."""
    doc = demo_keypoints(num_frames=frames)
    walker = np.asarray(doc["frames"][0]["keypoints"]).reshape(17, 3)
    small = walker.copy()
    small[:, :2] = (walker[:, :2] - walker[:, :2].min(0)) * 0.05
    doc["frames"][0] = [doc["frames"][0]] + [
        {"keypoints": (small + [40 * (i % 20), 700 + 40 * (i // 20), 0]).ravel().tolist()} for i in range(crowd)]
    path = tmp_path / f"crowd{crowd}.json"
    path.write_text(json.dumps(doc))
    return path


def test_too_many_persons_in_a_frame_is_one_line_and_notes_stay_bounded(tmp_path, checkpoints, capsys):
    ckpt = ["--checkpoint", str(checkpoints[False]), "--out", str(tmp_path / "o.npz")]
    crowd = crowd_file(tmp_path, 64)  # 65 persons in frame 0
    assert main(["lift", str(crowd), *ckpt]) == 2
    one_line_error(capsys, f"{crowd}: frame 0 lists 65 persons, more than --max-people 64", "raise --max-people", no_stdout=True)
    assert main(["lift", str(crowd), "--stream", "--max-people", "10", "--out", str(tmp_path / "o.npz"),
                 "--checkpoint", str(checkpoints[True])]) == 2
    one_line_error(capsys, "frame 0 lists 65 persons, more than --max-people 10")
    assert not (tmp_path / "o.npz").exists()
    assert main(["lift", str(crowd), "--max-people", "65", *ckpt]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "tracked 65 people (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … and 55 more) in 12 frames"
    assert err[1].startswith("person 1: frames 0-11") and err[20].startswith("person 20:")
    assert err[21] == "… 45 more people" and err[22].startswith("lifting person 1 (the largest and longest in view; --person ID")
    assert len(err) < 30


def test_a_few_people_are_all_named(tmp_path, checkpoints, capsys):
    assert main(["lift", str(crowd_file(tmp_path, 9)), "--person", "all", "--checkpoint", str(checkpoints[False]),
                 "--out", str(tmp_path / "o.npz")]) == 0
    err = capsys.readouterr().err
    assert "tracked 10 people (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) in 12 frames\n" in err
    assert "person 10: frames 0-0, detected in 1, leaves after frame 0; around x " in err and "more" not in err
    assert "skipped persons 2, 3, 4, 5, 6, 7, 8, 9, 10: detected in fewer than 9 frames" in err


def test_a_bad_json_file_is_named_in_one_line(tmp_path, checkpoints, capsys):
    text = walk_file(tmp_path).read_text()
    for name, content in (("cut.json", text[: len(text) // 2]), ("notes.json", "these are not keypoints\n")):
        bad = tmp_path / name
        bad.write_text(content)
        for stream in ((), ("--stream",)):
            assert main(["lift", str(bad), *stream, "--checkpoint", str(checkpoints[bool(stream)]), "--out", str(tmp_path / "o.npz")]) == 2
            one_line_error(capsys, f"{bad}: cannot read keypoints (JSONDecodeError: ", no_stdout=True)


def test_absurd_coordinates_are_one_line_without_numpy_warnings(tmp_path, checkpoints, capsys):
    doc = demo_keypoints(num_frames=12)
    del doc["layout"]  # guessed: the guess and the conversion would sum 1e308s
    for frame in doc["frames"]:
        frame["keypoints"] = [v if i % 3 == 2 else 1e308 for i, v in enumerate(frame["keypoints"])]
    one = tmp_path / "huge.json"
    one.write_text(json.dumps(doc))
    two = tmp_path / "huge_two.json"  # tracked first
    two.write_text(json.dumps({**doc, "frames": [[f, f] for f in doc["frames"]]}))
    nan_before = tmp_path / "big.npy"  # lifted to NaN poses and exit 0 before
    np.save(nan_before, np.random.default_rng(0).uniform(0, 1e30, size=(12, 17, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path, value in ((one, "1e+308"), (two, "1e+308"), (nan_before, "9.97e+29")):
            for stream in ((), ("--stream",)):
                args = ["lift", str(path), *stream, "--width", "100", "--height", "100", "--out", str(tmp_path / "o.npz")]
                assert main([*args, "--checkpoint", str(checkpoints[bool(stream)])]) == 2
                one_line_error(capsys, f"{path}: a keypoint coordinate is {value}: too large for a pixel position", no_stdout=True)
    assert not (tmp_path / "o.npz").exists()


def test_an_output_that_is_a_folder_is_refused(tmp_path, checkpoints, capsys, monkeypatch):
    import liftformer.inference.lifting.pretrained as pretrained

    monkeypatch.setattr(pretrained, "load_model", lambda *a, **k: pytest.fail("lifted before checking outputs"))
    kp = walk_file(tmp_path)
    folder = tmp_path / "results"
    folder.mkdir()
    for flags, needle in ((["--out", str(folder)], f"--out {folder}: is a folder; give a file name such as {folder / 'walk_3d.npz'}"),
                          (["--out", str(folder), "--stream"], f"--out {folder}: is a folder"),
                          (["--render", str(folder)], f"--render {folder}: is a folder; give a file name such as {folder / 'walk_3d.mp4'}"),
                          (["--bvh", str(folder)], f"--bvh {folder}: is a folder; give a file name such as {folder / 'walk_3d.bvh'}")):
        assert main(["lift", str(kp), "--out", str(tmp_path / "o.npz"), *flags]) == 2
        one_line_error(capsys, needle, no_stdout=True)
    (tmp_path / "o.json").mkdir()
    assert main(["lift", str(kp), "--out", str(tmp_path / "o.npz"), "--json"]) == 2
    one_line_error(capsys, f"--json {tmp_path / 'o.json'}: is a folder; give the path of a file instead")
    assert not (tmp_path / "o.npz").exists() and not (tmp_path / "results.npz").exists()
    assert list(folder.iterdir()) == []


def test_lift_places_the_person_in_camera_space(tmp_path, capsys):
    """The shipped model on a synthetic walk seen by a known camera: the root's path where the camera saw it."""
    from liftformer.data.synthetic import synthetic_sequence

    seq = synthetic_sequence(80, seed=5, focal=1150.0)
    path = tmp_path / "walk.json"
    path.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "fps": 50, "frames": [
        {"keypoints": np.concatenate([p, np.full((17, 1), 0.9)], 1).ravel().tolist()} for p in seq.keypoints_px]}))
    truth = seq.positions_3d[:, 0].astype(np.float64)
    assert main(["lift", str(path), "--out", str(tmp_path / "a.npz"), "--json", "--csv", "--focal", "1150"]) == 0
    assert "trajectory: camera assumed" not in capsys.readouterr().err
    a = np.load(tmp_path / "a.npz")
    depth_error = np.abs(a["root_3d"][:, 2] - truth[:, 2]) / truth[:, 2]
    assert np.median(depth_error) < 0.15 and np.abs(a["root_3d"][:, :2] - truth[:, :2]).mean() < 0.15
    from liftformer.inference.lifting.trajectory import frame_statures

    scaled = a["poses_3d_camera"] - a["root_3d"][:, None]  # each frame's pose at the one size the person has
    scale = np.linalg.norm(scaled, axis=-1).sum(-1) / np.linalg.norm(a["poses_3d"], axis=-1).sum(-1)
    np.testing.assert_allclose(scaled, scale[:, None, None] * a["poses_3d"], atol=1e-5)
    statures = frame_statures(scaled.astype(np.float64))
    assert np.ptp(statures) < 1e-4 < np.ptp(frame_statures(a["poses_3d"].astype(np.float64)))
    assert a["focal_px"].tolist() == [1150, 1150] and "focal length 1150" in str(a["camera"])
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["camera"]["focal_px"] == [1150, 1150] and len(doc["frames"][0]["root_3d"]) == 3
    np.testing.assert_allclose([f["root_3d"] for f in doc["frames"]], a["root_3d"], atol=1e-4)
    header = (tmp_path / "a.csv").read_text().splitlines()[0].split(",")
    assert header[-3:] == ["root_x", "root_y", "root_z"]
    # a field of view twice too wide halves the focal length, so the same 2D puts the person at half the depth
    assert main(["lift", str(path), "--out", str(tmp_path / "b.npz")]) == 0
    assert "trajectory: camera assumed: horizontal field of view 55 degrees" in capsys.readouterr().err
    b = np.load(tmp_path / "b.npz")
    focal_55 = 500 / np.tan(np.radians(55) / 2)
    np.testing.assert_allclose(b["root_3d"][:, 2] / a["root_3d"][:, 2], focal_55 / 1150, rtol=1e-3)
    assert main(["lift", str(path), "--out", str(tmp_path / "c.npz"), "--no-trajectory"]) == 0
    c = np.load(tmp_path / "c.npz")
    assert "root_3d" not in c and "poses_3d_camera" not in c
    np.testing.assert_array_equal(c["poses_3d"], a["poses_3d"])


def test_a_model_without_a_trajectory_says_so_before_reading_the_input(tmp_path, capsys):
    ckpt = tmp_path / "bare.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt)
    missing = tmp_path / "absent.json"  # never read: the model is checked first
    assert main(["lift", str(missing), "--checkpoint", str(ckpt), "--out", str(tmp_path / "o.npz")]) == 2
    one_line_error(capsys, "bare.safetensors", "no trajectory calibration", "--no-trajectory")
    assert main(["lift", str(walk_file(tmp_path)), "--checkpoint", str(ckpt), "--out", str(tmp_path / "o.npz"), "--no-trajectory"]) == 0


def test_fix_feet_moves_only_the_root_and_contacts_are_written(tmp_path, capsys):
    path = walk_file(tmp_path)
    assert main(["lift", str(path), "--out", str(tmp_path / "a.npz"), "--json", "--fov", "50"]) == 0
    assert main(["lift", str(path), "--out", str(tmp_path / "b.npz"), "--fov", "50", "--fix-feet"]) == 0
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(a["poses_3d"], b["poses_3d"])
    assert a["foot_contacts"].shape == (len(a["poses_3d"]), 2) and a["foot_contacts"].dtype == bool
    np.testing.assert_array_equal(a["foot_contacts"], b["foot_contacts"])
    moved = np.linalg.norm(b["root_3d"] - a["root_3d"], axis=-1)
    assert moved.max() < 0.5  # a correction, not a different path
    frame = json.loads((tmp_path / "a.json").read_text())["frames"][0]
    assert set(frame["foot_contacts"]) == {"right", "left"}


def test_stream_prints_each_root_and_saves_the_same(tmp_path, capsys):
    path = walk_file(tmp_path, frames=40)
    assert main(["lift", str(path), "--stream", "--out", str(tmp_path / "s.npz"), "--fov", "50"]) == 0  # the shipped causal model
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(len(line["root_3d"]) == 3 for line in lines) and lines[-1]["root_3d"][2] > 1.0
    saved = np.load(tmp_path / "s.npz")
    np.testing.assert_allclose(saved["root_3d"], [line["root_3d"] for line in lines], atol=1e-4)
    assert main(["lift", str(path), "--stream", "--out", str(tmp_path / "n.npz"), "--no-trajectory"]) == 0
    assert "root_3d" not in capsys.readouterr().out and "root_3d" not in np.load(tmp_path / "n.npz")


def test_demo_with_a_model_without_a_trajectory_stays_root_relative(tmp_path, capsys):
    ckpt = tmp_path / "bare.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt)
    assert main(["demo", "--out-dir", str(tmp_path / "d"), "--frames", "12", "--no-render", "--checkpoint", str(ckpt)]) == 0
    assert "root_3d" not in np.load(tmp_path / "d" / "demo_3d.npz")


def test_the_render_stands_everyone_on_one_floor(tmp_path, monkeypatch):
    """Several placed people are drawn in the first person's upright frame, each at their own floor height."""
    shown = {}

    def capture(poses, pixels, size, **kwargs):
        shown["poses"], shown["roots"] = poses, kwargs["roots"]
        return iter(())

    monkeypatch.setattr("liftformer.inference.writers.render.render_frames", capture)
    monkeypatch.setattr("liftformer.inference.writers.render.write_video", lambda images, path, fps: 0)
    path, _ = two_people_json(tmp_path)
    assert main(["lift", str(path), "--out", str(tmp_path / "o.npz"), "--render", str(tmp_path / "r.mp4"), "--person", "all"]) == 0
    feet = shown["poses"][..., [3, 6], 1] + shown["roots"][..., None, 1]  # render axes: y down
    lowest = np.nanmax(feet, axis=-1)  # each person's lower ankle per frame
    per_person = np.nanmedian(lowest, axis=1)
    assert np.ptp(per_person) < 0.05, per_person  # both stand on the same floor (fails without the floor shift)


@pytest.mark.parametrize("flags", [["--fix-feet"], ["--person-height", "1.8"], ["--fov", "60"], ["--focal", "900"]])
def test_trajectory_flags_without_the_trajectory_are_one_line(tmp_path, capsys, flags):
    assert main(["lift", str(walk_file(tmp_path)), "--no-trajectory", *flags, "--out", str(tmp_path / "o.npz")]) == 2
    one_line_error(capsys, flags[0], "--no-trajectory")
    assert not (tmp_path / "o.npz").exists()


def test_stream_with_a_known_height_saves_each_frame_at_the_scale_it_was_placed_with(tmp_path, capsys):
    path = walk_file(tmp_path, frames=40)
    assert main(["lift", str(path), "--stream", "--out", str(tmp_path / "s.npz"), "--person-height", "1.8", "--fov", "50"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    saved = np.load(tmp_path / "s.npz")
    np.testing.assert_allclose(saved["root_3d"], [line["root_3d"] for line in lines], atol=1e-4)
    body = saved["poses_3d_camera"] - saved["root_3d"][:, None]
    scale = np.linalg.norm(body, axis=-1).sum(-1) / np.linalg.norm(saved["poses_3d"], axis=-1).sum(-1)  # per frame
    np.testing.assert_allclose(body, scale[:, None, None] * saved["poses_3d"], atol=1e-4)


def test_each_person_can_be_given_their_own_stature(tmp_path, capsys):
    """``--person-height 1=H1,2=H2`` places each track at its own size: the same as giving each one's height to everyone."""
    path, _ = two_people_json(tmp_path)
    common = [str(path), "--person", "all", "--fov", "50"]  # the shipped model: a tiny random one has no body to size
    for name, height in (("both", "1=1.5,2=1.9"), ("short", "1.5"), ("tall", "1.9"), ("one", "2=1.9,7=1.6")):
        assert main(["lift", *common, "--out", str(tmp_path / f"{name}.npz"), "--person-height", height]) == 0
    assert main(["lift", *common, "--out", str(tmp_path / "none.npz")]) == 0
    root = lambda name, person: np.load(tmp_path / f"{name}_person{person}.npz")["root_3d"]  # noqa: E731
    np.testing.assert_array_equal(root("both", 1), root("short", 1))
    np.testing.assert_array_equal(root("both", 2), root("tall", 2))
    np.testing.assert_array_equal(root("one", 1), root("none", 1))  # no stature given for person 1: the model's size
    np.testing.assert_array_equal(root("one", 2), root("tall", 2))
    assert np.median(root("tall", 1)[:, 2] / root("short", 1)[:, 2]) == pytest.approx(1.9 / 1.5, rel=1e-3)
    err = capsys.readouterr().err
    assert "warning: --person-height names 7, not among the people lifted (1, 2)" in err and err.count("names 7") == 1
    walk = walk_file(tmp_path, frames=30)
    assert main(["lift", str(walk), "--stream", "--out", str(tmp_path / "s.npz"), "--person-height", "1=1.8,2=1.6"]) == 0
    assert "warning: --person-height names 2, not among the people lifted (1)" in capsys.readouterr().err


def custom_npz(path, positions) -> Path:
    """A VideoPose3D custom 2D file holding ``positions`` (video → {action → [per-camera arrays]})."""
    from liftformer.data.formats import save_positions_2d

    meta = {"num_joints": 17, "keypoints_symmetry": [[], []], "layout_name": "h36m", "video_metadata": {"v": {"w": 100, "h": 100}}}
    save_positions_2d(path, positions, meta)
    return path


def honest_inputs(tmp_path) -> list[tuple[list[str], str]]:
    """Bad inputs (issue 33, item 4) and what their one line must say: (lift arguments, needle)."""
    doc = demo_keypoints(num_frames=12)
    cases = []
    for name, width in (("huge.json", 1e300), ("wide.json", 1e9)):
        (tmp_path / name).write_text(json.dumps({**doc, "width": width}))
        cases.append(([str(tmp_path / name)], f"{tmp_path / name}: width {width!r} is not an image size: expected 1 to 100,000"))
    pair = tmp_path / "pair.json"  # a COCO-style list of 2 numbers: numpy warned 4 times before the error
    pair.write_text(json.dumps({"width": 100, "height": 100, "frames": [{"keypoints": [1.0, 2.0]}] * 5}))
    cases.append(([str(pair)], f"{pair}: frame 0: a person's 'keypoints' holds 2 values, not x, y, score triples"))
    for name, array in (("complex.npy", np.ones((5, 17, 2), np.complex64)), ("text.npy", np.full((3, 2), "a"))):
        np.save(tmp_path / name, array)
        cases.append(([str(tmp_path / name), "--width", "100", "--height", "100"],
                      f"{tmp_path / name}: expected real numbers (x, y[, score]), got {array.dtype}"))
    text = custom_npz(tmp_path / "text.npz", {"v": {"custom": [np.full((3, 17, 2), "a")]}})
    cases.append(([str(text)], f"{text}: 'positions_2d' v/custom camera 0: expected real numbers (x, y[, score]), got <U1"))
    empty = custom_npz(tmp_path / "empty.npz", {})
    cases.append(([str(empty)], f"{empty}: 'positions_2d' holds no video (expected {{video: {{'custom': ["))
    cases.append(([str(custom_npz(tmp_path / "bare.npz", {"v": {}}))], "'positions_2d' video 'v' holds no sequence"))
    cases.append(([str(custom_npz(tmp_path / "none.npz", {"v": {"custom": []}}))], "'positions_2d' v/custom holds no camera's keypoints"))
    folder = tmp_path / "clips"
    folder.mkdir()
    cases.append(([str(folder)], f"{folder}: is a folder: give a video (.mp4 .avi .mov .mkv .webm .m4v) or a keypoint file (.npz"))
    (tmp_path / "takes.mp4").mkdir()
    cases.append(([str(tmp_path / "takes.mp4")], f"{tmp_path / 'takes.mp4'}: is a folder: give a video file"))
    cases.append((["0"], "0: no such file; to read camera 0, add --stream"))
    dot = tmp_path / "dot.json"  # 17 joints on one pixel in every frame: no body
    dot.write_text(json.dumps({**doc, "frames": [{"keypoints": [50, 60, 0.9] * 17}] * 12}))
    cases.append(([str(dot)], f"{dot}: in every frame the located keypoints lie on one point (no extent): not a body"))
    return cases


def test_bad_inputs_are_one_honest_line_without_warnings(tmp_path, checkpoints, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "0" is no file here
    for argv, needle in honest_inputs(tmp_path):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main(["lift", *argv, "--out", str(tmp_path / "o.npz"), "--checkpoint", str(checkpoints[False])]) == 2, argv
        err = one_line_error(capsys, needle, no_stdout=True)
        assert "Warning" not in err and not caught, (argv, [str(w.message) for w in caught])
    assert not (tmp_path / "o.npz").exists()


def test_one_frame_is_said_in_the_singular(tmp_path, checkpoints, capsys):
    from liftformer.errors import plural

    assert (plural(1, "frame"), plural(0, "frame"), plural(3, "person", "people")) == ("1 frame", "0 frames", "3 people")
    one = walk_file(tmp_path, frames=1)
    assert main(["lift", str(one), "--out", str(tmp_path / "o.npz"), "--checkpoint", str(checkpoints[False])]) == 0
    err = capsys.readouterr().err
    assert f"warning: {one} has 1 frame, fewer than the model's 9-frame window" in err and "1 frames" not in err
