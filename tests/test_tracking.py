"""Several people per frame: tracking through crossings and occlusions, --person, per-person outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import exit_code, tiny_model_kwargs, two_people_json, with_trajectory
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.cli.main import main
from liftformer.data.synthetic import crossing_walkers
from liftformer.inference.tracks.tracking import repair_tail_swaps, track_people
from liftformer.model.checkpoint import save_weights

FRAMES = 120


def detections(walkers: np.ndarray, hidden: dict[int, range] | None = None, seed: int = 0) -> list[np.ndarray]:
    """Per frame (P, 17, 3) detections in shuffled order; ``hidden`` maps a person to frames it is occluded in."""
    rng = np.random.default_rng(seed)
    frames = []
    for t in range(walkers.shape[1]):
        people = [p for p in range(len(walkers)) if t not in (hidden or {}).get(p, ())]
        rng.shuffle(people)
        frames.append(np.stack([np.concatenate([walkers[p, t], np.full((17, 1), 0.9)], 1) for p in people]))
    return frames


def owners(tracks, walkers: np.ndarray) -> list[set[int]]:
    """For each track, the people whose detections it holds (one each when tracking is right)."""
    return [{int(np.argmin(np.abs(walkers[:, f] - p[:, :2]).sum((1, 2)))) for f, p in zip(tr.frames, tr.points)} for tr in tracks]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_people_crossing_keep_their_ids(seed):
    walkers = crossing_walkers(FRAMES, seed=seed)
    tracks = track_people(detections(walkers, seed=seed))
    assert len(tracks) == 2 and owners(tracks, walkers) == [{0}, {1}] or owners(tracks, walkers) == [{1}, {0}]
    assert all(len(tr.frames) == FRAMES for tr in tracks)


def test_occlusion_keeps_the_id_and_a_long_absence_does_not():
    walkers = crossing_walkers(FRAMES, seed=3)
    tracks = track_people(detections(walkers, hidden={0: range(55, 63)}))  # hidden while crossing the other
    assert len(tracks) == 2 and sorted(map(sorted, owners(tracks, walkers))) == [[0], [1]]
    tracks = track_people(detections(walkers, hidden={0: range(20, 60)}), max_age=15)
    assert len(tracks) == 3  # came back after 40 frames: a new id


def test_exchanged_tails_are_swapped_back():
    walkers = crossing_walkers(FRAMES, seed=4)
    tracks = track_people(detections(walkers))
    a, b = tracks
    cut = 80
    a.frames[cut:], b.frames[cut:] = b.frames[cut:], a.frames[cut:]
    a.points[cut:], b.points[cut:] = b.points[cut:], a.points[cut:]
    a.boxes[cut:], b.boxes[cut:] = b.boxes[cut:], a.boxes[cut:]
    found = repair_tail_swaps(tracks)
    assert [(f.start, f.repaired) for f in found] == [(cut, True)]
    assert sorted(map(sorted, owners(tracks, walkers))) == [[0], [1]]


@pytest.fixture()
def two_people(tmp_path):
    """A COCO-style JSON list: two people per frame (H36M-17 layout), a tiny checkpoint, an output path."""
    return (*two_people_json(tmp_path), tmp_path / "out.npz")


def test_json_with_two_people_lifts_both_into_per_person_files(two_people, capsys):
    path, ckpt, out = two_people
    assert main(["lift", str(path), "--out", str(out), "--json", "--checkpoint", str(ckpt), "--person", "all"]) == 0
    err = capsys.readouterr().err
    assert "tracked 2 people (ids 1, 2)" in err and "lifting persons 1, 2" in err
    assert err.count("trajectory: camera assumed") == 1  # one camera, said once
    assert not out.exists()
    for person in (1, 2):
        data = np.load(out.with_name(f"out_person{person}.npz"))
        assert data["poses_3d"].shape == (40, 17, 3) and data["frames"].tolist() == list(range(40))
        assert out.with_name(f"out_person{person}.json").exists()
    first = np.load(out.with_name("out_person1.npz"))["keypoints_2d"]
    second = np.load(out.with_name("out_person2.npz"))["keypoints_2d"]
    assert np.abs(first - second).mean() > 50  # two different people


def test_default_lifts_the_largest_person_in_the_single_person_format(two_people, capsys):
    path, ckpt, out = two_people
    assert main(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt)]) == 0
    data = np.load(out)
    walkers = crossing_walkers(40, seed=5)
    assert data["poses_3d"].shape == (40, 17, 3)
    assert np.abs(data["keypoints_2d"] - walkers[0]).max() < 1.0  # the nearer, larger walker


def test_person_is_an_id_largest_or_all_checked_when_parsed():
    import argparse

    from liftformer.cli.options import person_choice

    assert [person_choice(x) for x in ("2", "02", " all", "largest")] == ["2", "2", "all", "largest"]
    for bad in ("0", "-1", "everyone", "1.5", ""):
        with pytest.raises(argparse.ArgumentTypeError, match="a track id"):
            person_choice(bad)


@pytest.mark.parametrize("person, needle", [("7", "--person 7: no such person; the ids are 1, 2"),
                                            ("tall", "argument --person: expected a track id (1, 2, …), largest or all")])
def test_person_that_does_not_exist_is_one_line_exit_2(two_people, capsys, person, needle):
    path, ckpt, out = two_people
    assert exit_code(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt), "--person", person]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err
    assert not list(out.parent.glob("out*"))


def test_one_person_file_knows_only_id_1_and_no_one_is_an_error(tmp_path, capsys):
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    walkers = crossing_walkers(12, seed=6)
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "frames": [
        {"keypoints": np.concatenate([p, np.full((17, 1), 0.9)], 1).reshape(-1).tolist()} for p in walkers[0]]}))
    out = tmp_path / "o.npz"
    assert main(["lift", str(one), "--out", str(out), "--checkpoint", str(ckpt), "--person", "2"]) == 2
    assert "--person 2: no such person" in capsys.readouterr().err and not out.exists()
    nobody = tmp_path / "nobody.json"
    nobody.write_text(json.dumps([[], None, []]))
    assert main(["lift", str(nobody), "--out", str(out), "--checkpoint", str(ckpt)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no person in any frame" in err and not out.exists()


def test_all_skips_tracks_shorter_than_a_window_and_says_so(tmp_path, capsys):
    walkers = crossing_walkers(30, seed=7)
    frames = [[{"keypoints": np.concatenate([walkers[p, t], np.full((17, 1), 0.9)], 1).reshape(-1).tolist()}
               for p in ((0, 1) if t < 5 else (0,))] for t in range(30)]  # person 2 only in 5 frames
    path = tmp_path / "short.json"
    path.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "frames": frames}))
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    out = tmp_path / "o.npz"
    assert main(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt), "--person", "all"]) == 0
    err = capsys.readouterr().err
    assert "skipped person 2: detected in fewer than 9 frames" in err and "leaves after frame 4" in err
    assert out.exists()  # one person left: the single-person file
    assert main(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt), "--person", "2"]) == 0
    err = capsys.readouterr().err
    assert "fewer than the model's 9-frame window: lifted with edge padding" in err
    assert np.load(out)["frames"].tolist() == list(range(5))


def test_all_people_share_one_render(two_people, capsys):
    path, ckpt, out = two_people
    gif = out.with_name("both.gif")
    assert main(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt), "--person", "all", "--render", str(gif)]) == 0
    assert gif.exists() and not list(out.parent.glob("both_person*"))
    assert f"wrote {gif}" in capsys.readouterr().out


def test_clips_of_different_spans_are_put_on_one_timeline():
    from liftformer.inference.writers.plan import Lifted, on_common_frames

    def clip(first: int, count: int, value: float) -> Lifted:
        return Lifted(np.full((count, 17, 3), value), np.full((count, 17, 2), value), np.zeros((count, 17), bool),
                      np.arange(first, first + count), 25.0, (640, 480))

    (poses, pixels), first = on_common_frames([clip(2, 4, 1.0), clip(4, 6, 2.0)])
    assert first == 2 and poses.shape == (2, 8, 17, 3) and pixels.shape == (2, 8, 17, 2)
    assert (poses[0, :4] == 1).all() and np.isnan(poses[0, 4:]).all()
    assert np.isnan(pixels[1, :2]).all() and (pixels[1, 2:] == 2).all()


def test_a_detectors_own_ids_keep_a_fast_person_on_one_track() -> None:
    """Two people; the second jumps far between frames (a kick the box cost cannot follow): without the detector's
    ids it becomes a new track; with them it stays one, and an id first seen later joins by the usual matching."""
    from liftformer.inference.tracks.tracking import track_people

    rng = np.random.default_rng(0)
    base = np.column_stack([rng.uniform(0, 100, (17, 2)), np.full(17, 0.9)])

    def at(x: float, y: float = 0.0) -> np.ndarray:
        return base + [x, y, 0.0]

    frames = [np.stack([at(0), at(500 + (400 if t >= 5 else 0), 300 if t >= 5 else 0)]) for t in range(10)]
    assert len(track_people(frames)) == 3
    ids = [np.array([1, 2])] * 10
    tracks = track_people(frames, identities=ids)
    assert len(tracks) == 2 and [len(tr.frames) for tr in tracks] == [10, 10]
    late = [np.array([1, -1])] * 5 + [np.array([1, 7])] * 5  # the second person's id only from frame 5, where it jumps
    frames_late = [np.stack([at(0), at(500 + 3 * t)]) for t in range(10)]
    assert [len(tr.frames) for tr in track_people(frames_late, identities=late)] == [10, 10]


def test_a_track_belongs_to_the_first_id_on_it() -> None:
    """Id 1 follows A and misses a frame; id 2 appears on A then and joins A's track; when both are seen again (2 on
    someone else, C), A's track stays with its owner, 1, and C gets a track of its own."""
    from liftformer.inference.tracks.tracking import track_people

    rng = np.random.default_rng(1)
    base = np.column_stack([rng.uniform(0, 100, (17, 2)), np.full(17, 0.9)])
    a, c = base + [300.0, 0.0, 0.0], base + [600.0, 0.0, 0.0]
    frames = [a[None], a[None], a[None], np.stack([a, c]), np.stack([c, a])]
    ids = [np.array([1]), np.array([1]), np.array([2]), np.array([1, 2]), np.array([2, 1])]  # the last frame listed in another order
    tracks = track_people(frames, identities=ids)
    first = tracks[0]
    assert first.frames == [0, 1, 2, 3, 4] and all(np.array_equal(p, a) for p in first.points)
    assert len(tracks) == 2 and tracks[1].frames == [3, 4] and all(np.array_equal(p, c) for p in tracks[1].points)


def test_one_frame_without_anyone_is_said_in_the_singular(tmp_path, capsys):
    path, ckpt = two_people_json(tmp_path)
    doc = json.loads(path.read_text())
    doc["frames"][4] = []  # nobody in frame 4 alone
    doc["frames"][20:23] = [[], [], []]
    path.write_text(json.dumps(doc))
    assert main(["lift", str(path), "--out", str(tmp_path / "o.npz"), "--checkpoint", str(ckpt), "--person", "all"]) == 0
    err = capsys.readouterr().err
    assert "no one in frame 4\n" in err and "no one in frames 20-22\n" in err and "frames 4-4" not in err
