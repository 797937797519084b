"""Only bodies are tracked, lifted, written and drawn: the plausibility checks, the tracker's drops, the followers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import tiny_model_kwargs, with_trajectory
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.cli.main import main
from liftformer.data.synthetic import crossing_walkers
from liftformer.inference.sources.bodies import (
    MAX_GROWTH,
    MAX_OUTSIDE,
    OK,
    OUTSIDE,
    SIZE_JUMP,
    TOO_LARGE,
    detection_causes,
    extents,
    runs_away,
    size_jumps,
    skeleton,
)
from liftformer.inference.sources.keypoints import Keypoints2D, PeopleKeypoints
from liftformer.inference.tracks.plausibility import plausible_person
from liftformer.inference.tracks.tracking import select_people
from liftformer.model.checkpoint import save_weights

SIZE = 1000


def scored(points: np.ndarray, score: float = 0.9) -> np.ndarray:
    return np.concatenate([points, np.full(points.shape[:-1] + (1,), score)], -1)


def phantom(person: np.ndarray, grow: float = 6.0) -> np.ndarray:
    """A (…, 17, 2) body blown up ``grow`` times about its pelvis: most joints leave a 1000-px image."""
    return (person - person[..., :1, :]) * grow + person[..., :1, :]


def test_a_body_with_five_joints_outside_is_dropped_and_four_kept():
    body = crossing_walkers(1, seed=0)[0, 0]
    assert detection_causes(body, SIZE, SIZE) == OK
    lowest = np.argsort(body[:, 1])[::-1]  # the feet and knees first
    for out, cause in ((MAX_OUTSIDE, OK), (MAX_OUTSIDE + 1, OUTSIDE)):
        cut = body.copy()
        cut[lowest[:out], 1] = SIZE + 50
        assert detection_causes(cut, SIZE, SIZE) == cause
    assert detection_causes(cut, None, None) == OK  # unknown image: nothing to be outside of


def test_a_body_larger_than_the_image_is_dropped():
    body = np.full((17, 2), 500.0)
    body[:, 0] = np.linspace(100, 900, 17)
    assert detection_causes(body, SIZE, SIZE) == OK
    body[:MAX_OUTSIDE, 0] = -700.0  # 1,600 px wide, 4 joints outside: too large for a 1,000 px image
    assert extents(body) == 1600 and detection_causes(body, SIZE, SIZE) == TOO_LARGE
    assert detection_causes(body, 2 * SIZE, 2 * SIZE) == OK
    body[MAX_OUTSIDE, 0] = -700.0  # and a fifth joint outside
    assert detection_causes(body, SIZE, SIZE) == OUTSIDE


def test_joints_guessed_count_where_they_are_and_joints_not_located_do_not():
    body = scored(crossing_walkers(1, seed=0)[0, 0])
    body[:8, :2] = -500.0
    assert detection_causes(skeleton(body, "h36m"), SIZE, SIZE) == OUTSIDE
    body[:8, 2] = 0.1  # low confidence: the detector's guess, out there with a body cut by the frame
    assert detection_causes(skeleton(body, "h36m"), SIZE, SIZE) == OUTSIDE
    body[:8, 2] = 0.0  # a score of 0: not located (files mark missing joints so, at any position)
    assert detection_causes(skeleton(body, "h36m"), SIZE, SIZE) == OK


def test_a_size_jump_is_dropped_but_a_person_walking_closer_is_not():
    frames = np.arange(300)
    steady = np.full(300, 200.0)
    jump = steady.copy()
    jump[100:140] = 200.0 * (MAX_GROWTH + 1)
    assert np.array_equal(np.flatnonzero(size_jumps(frames, jump, 30.0)), np.arange(100, 140))
    approaching = np.geomspace(100, 400, 300)  # 4x in 10 s
    assert not size_jumps(frames, approaching, 30.0).any()
    assert not size_jumps(frames, np.where(frames % 2, np.nan, steady), 30.0).any()


def test_a_follower_refuses_a_body_that_runs_away_from_its_person():
    assert not runs_away(300.0, [], (1000, 1000))
    assert runs_away(1600.0, [], (1000, 1000))  # over 1.5x the image
    assert not runs_away(400.0, [280.0, 300.0, 310.0], (1000, 1000))
    assert runs_away(MAX_GROWTH * 300.0 + 1, [280.0, 300.0, 310.0], (1000, 1000))
    assert not runs_away(float("nan"), [300.0], (1000, 1000))


def people(walkers: np.ndarray, bad: dict[int, range], followed: bool = False) -> PeopleKeypoints:
    """Two walkers as per-frame detections, person p blown up into a phantom in frames ``bad[p]``; ``followed``: with
    the detector's ids (as a video's followers give them, the phantom keeping its person's)."""
    frames = []
    for t in range(walkers.shape[1]):
        frames.append(np.stack([scored(phantom(walkers[p, t]) if t in bad.get(p, ()) else walkers[p, t]) for p in range(2)]))
    return PeopleKeypoints(np.full((len(frames), 17, 2), np.nan), np.zeros((len(frames), 17)), "h36m", SIZE, SIZE, 30.0, "two",
                           people=frames, identities=[np.array([1, 2])] * len(frames) if followed else None)


def test_tracks_lose_only_their_phantom_frames_and_say_so():
    walkers = crossing_walkers(120, seed=3)
    clean = select_people(people(walkers, {}), "all", min_score=0.3)
    assert not any("plausibility" in n for n in clean.notes)
    chosen = select_people(people(walkers, {0: range(50, 60)}), "all", min_score=0.3)
    assert [p for p, _ in chosen.people] == [p for p, _ in clean.people]
    lines = [n for n in chosen.notes if n.startswith("plausibility")]
    assert len(lines) == 1 and "outside the image" in lines[0]  # on person 1's track, or a track of its own, gone
    assert "dropped 10 of 120 frames" in lines[0] or lines[0].endswith(
        "dropped 10 of 10 frames (10 more than 4 joints outside the image): not a person")
    for (_, kp), (_, before) in zip(chosen.people, clean.people):
        missing = ~np.isfinite(kp.pixels).all((-1, -2))
        assert missing.sum() in (0, 10)  # a short run is a gap, filled like any gap
        assert np.array_equal(kp.pixels[~missing], before.pixels[~missing])  # and nothing else moved


def test_a_long_run_of_phantom_frames_ends_the_track():
    walkers = crossing_walkers(120, seed=3)
    unfollowed = select_people(people(walkers, {1: range(40, 70)}), "all", min_score=0.3)
    assert [p for p, _ in unfollowed.people] == [1, 2, 4]  # the phantom was a track of its own (3), gone
    chosen = select_people(people(walkers, {1: range(40, 70)}, followed=True), "all", min_score=0.3)
    ids = [p for p, _ in chosen.people]
    assert ids == [1, 2, 3]
    note = next(n for n in chosen.notes if n.startswith("plausibility"))
    assert "dropped 30 of 120 frames" in note and "then person 3 from frame 70" in note
    spans = {p: (int(kp.frames[0]), int(kp.frames[-1])) for p, kp in chosen.people}
    assert sorted(spans.values()) == [(0, 39), (0, 119), (70, 119)]


def test_a_one_person_source_drops_its_phantom_frames_and_trims_its_ends():
    walk = crossing_walkers(60, seed=1)[0]
    pixels = walk.copy()
    pixels[20:25] = phantom(walk[20:25])
    pixels[50:] = phantom(walk[50:])
    kp = Keypoints2D(pixels, np.full((60, 17), 0.9), "h36m", SIZE, SIZE, 30.0, "one.json")
    out, notes, counts = plausible_person(kp)
    assert counts == {OUTSIDE: 15}
    assert notes == ["plausibility of one.json: dropped 15 of 60 frames (15 more than 4 joints outside the image)"]
    assert np.array_equal(out.frames, np.arange(50))
    assert not np.isfinite(out.pixels[20:25]).any() and np.array_equal(out.pixels[:20], walk[:20])
    assert plausible_person(Keypoints2D(walk, np.full((60, 17), 0.9), "h36m", SIZE, SIZE, 30.0))[1] == []


def test_lift_never_writes_a_phantom_frame(tmp_path, capsys):
    walkers = crossing_walkers(60, seed=5)
    bad = {0: range(20, 26)}
    frames = [[{"keypoints": scored(phantom(walkers[p, t]) if t in bad.get(p, ()) else walkers[p, t]).round(2).reshape(-1).tolist()}
               for p in (0, 1)] for t in range(60)]
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"layout": "h36m", "width": SIZE, "height": SIZE, "fps": 30, "frames": frames}))
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    assert main(["lift", str(path), "--person", "all", "--checkpoint", str(ckpt), "--out", str(tmp_path / "out.npz")]) == 0
    err = capsys.readouterr().err
    assert ("plausibility of person 1: dropped 6 of 60 frames" in err
            or "dropped 6 of 6 frames (6 more than 4 joints outside the image): not a person" in err)
    for person in (1, 2):
        with np.load(tmp_path / f"out_person{person}.npz") as f:
            pixels = f["keypoints_2d"]
        sizes = extents(pixels)
        assert (sizes <= MAX_GROWTH * np.median(sizes)).all()
        assert ((pixels < 0) | (pixels > SIZE)).any(-1).sum(-1).max() <= MAX_OUTSIDE


@pytest.mark.parametrize("cause", [SIZE_JUMP])
def test_causes_are_described(cause):
    from liftformer.inference.sources.bodies import describe

    expected = "plausibility of person 2: dropped 3 of 10 frames (3 over 1.5x the person's usual size)"
    assert describe([(cause, 3)], 10, "person 2") == expected


def test_a_stream_drops_what_is_not_a_body_frame_by_frame():
    from liftformer.inference.sources.bodies import BodyCheck

    walk = crossing_walkers(40, seed=2)[0]
    check = BodyCheck("h36m", SIZE, SIZE)
    causes = [check.cause(scored(phantom(walk[t]) if 20 <= t < 23 else walk[t])) for t in range(40)]
    assert [t for t, c in enumerate(causes) if c != OK] == [20, 21, 22] and check.dropped == {OUTSIDE: 3} and check.seen == 40
    grown = scored(phantom(walk[30], 1.8))  # all inside the image, but 1.8x the person of the frames before
    assert check.cause(grown) == SIZE_JUMP
    assert check.cause(walk[31]) == OK  # (J, 2): score 1
    assert check.cause(np.zeros((5, 3))) == OK and check.seen == 42  # another shape: the stream's to name


def test_lift_stream_says_what_it_dropped(tmp_path, capsys):
    walk = crossing_walkers(40, seed=2)[0]
    pixels = walk.copy()
    pixels[20:23] = phantom(walk[20:23])
    path = tmp_path / "one.json"
    frames = [[{"keypoints": scored(p).round(2).reshape(-1).tolist()}] for p in pixels]
    path.write_text(json.dumps({"layout": "h36m", "width": SIZE, "height": SIZE, "fps": 30, "frames": frames}))
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))), ckpt, with_trajectory())
    assert main(["lift", str(path), "--stream", "--checkpoint", str(ckpt), "--out", str(tmp_path / "out.npz")]) == 0
    err = capsys.readouterr().err
    assert f"plausibility of {path}: dropped 3 of 40 frames (3 more than 4 joints outside the image)" in err
