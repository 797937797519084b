"""Several people in a video: every person detected per frame, then tracked and chosen as for JSON lists.

Without MediaPipe a fake detector stands in (two synthetic walkers on a tiny real mp4); with it, the
real MediaPipe census and followers must find two people in composed copies of matplotlib's sample photo.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from conftest import hide_mediapipe, one_line_error, tiny_model_kwargs, two_photos, with_trajectory
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.cli.main import main
from liftformer.data.synthetic import crossing_walkers
from liftformer.errors import DataError
from liftformer.inference.sources import multipose, read
from liftformer.inference.sources.detector import MISSING_DETECTOR, MediaPipePoseDetector
from liftformer.inference.sources.keypoints import PeopleKeypoints
from liftformer.inference.sources.multipose import MediaPipeMultiPoseDetector, detect_video_people
from liftformer.inference.tracks.tracking import select_people
from liftformer.model.checkpoint import save_weights

FRAMES, WIDTH, HEIGHT, FPS = 24, 320, 240, 24.0
LATE = 6  # the second walker enters at this frame
HAS_MEDIAPIPE = importlib.util.find_spec("mediapipe") is not None


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny grey mp4 (the fake detectors do not look at it)."""
    import imageio.v2 as imageio

    path = tmp_path_factory.mktemp("people") / "walk.mp4"
    imageio.mimwrite(path, [np.full((HEIGHT, WIDTH, 3), 16 * (t % 8), np.uint8) for t in range(FRAMES)], fps=FPS,
                     codec="libx264", macro_block_size=16)
    return path


@pytest.fixture(scope="module")
def walkers() -> np.ndarray:
    """(2, T, 17, 2) H36M pixels: walker 0 larger (nearer), walker 1 smaller, crossing."""
    return crossing_walkers(FRAMES, seed=3, width=WIDTH, height=HEIGHT)


@pytest.fixture()
def checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), path, with_trajectory())
    return path


class FakePeople:
    """Walkers in shuffled order; walker 1 only from frame ``late`` on; ``people`` picks who is there at all."""

    layout = "h36m"

    def __init__(self, walkers: np.ndarray, people: tuple[int, ...] = (0, 1), late: int = LATE) -> None:
        self.walkers, self.people, self.late = walkers, people, late
        self.calls, self.closed = 0, False
        self.rng = np.random.default_rng(0)

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        assert frame_rgb.shape == (HEIGHT, WIDTH, 3) and frame_rgb.dtype == np.uint8
        t, self.calls = self.calls, self.calls + 1
        here = [p for p in self.people if p == 0 or t >= self.late]
        self.rng.shuffle(here)
        return np.array([np.concatenate([self.walkers[p, t], np.full((17, 1), 0.9)], 1) for p in here]).reshape(-1, 17, 3)

    def close(self) -> None:
        self.closed = True


def use_fake(monkeypatch: pytest.MonkeyPatch, fake: FakePeople) -> None:
    """The CLI builds the default detector (whichever is named): make it the fake."""
    monkeypatch.setattr(multipose, "MediaPipeMultiPoseDetector", lambda **kwargs: fake)
    monkeypatch.setattr(read, "people_detector", lambda name: fake)


def test_detect_video_people_keeps_everyone(video: Path, walkers: np.ndarray) -> None:
    fake = FakePeople(walkers)
    kp = detect_video_people(video, fake, progress=False)
    assert isinstance(kp, PeopleKeypoints) and fake.calls == FRAMES and not fake.closed  # a passed-in detector stays open
    assert [len(p) for p in kp.people] == [1] * LATE + [2] * (FRAMES - LATE)
    assert all(p.shape[1:] == (17, 3) for p in kp.people)
    assert (kp.layout, kp.width, kp.height, kp.source) == ("h36m", WIDTH, HEIGHT, str(video)) and kp.fps == pytest.approx(FPS)
    np.testing.assert_allclose(kp.pixels[:LATE], walkers[0, :LATE])  # as one person's keypoints: the largest in each frame
    assert all(np.allclose(kp.pixels[t], walkers[0, t]) or np.allclose(kp.pixels[t], walkers[1, t]) for t in range(FRAMES))
    np.testing.assert_allclose(kp.scores, 0.9)


def test_video_people_are_tracked_with_stable_ids(video: Path, walkers: np.ndarray) -> None:
    kp = detect_video_people(video, FakePeople(walkers), progress=False)
    selection = select_people(kp, "all", min_frames=9)
    assert [person for person, _ in selection.people] == [1, 2]
    for (_, track), walker, first in zip(selection.people, walkers, (0, LATE)):
        assert track.frames.tolist() == list(range(first, FRAMES)) and track.source.startswith(f"{video} person ")
        np.testing.assert_allclose(track.pixels, walker[first:])  # the right walker in every frame, whatever the order
    assert f"tracked 2 people (ids 1, 2) in {FRAMES} frames" in selection.notes
    assert any(note.startswith(f"person 2: frames {LATE}-{FRAMES - 1}, detected in {FRAMES - LATE}, enters at frame {LATE}; "
                               "around x ") for note in selection.notes)


def test_one_person_video_takes_the_single_person_path(video: Path, walkers: np.ndarray) -> None:
    kp = detect_video_people(video, FakePeople(walkers, people=(0,)), progress=False)
    selection = select_people(kp)
    assert len(selection.people) == 1 and selection.people[0][0] is None and not selection.notes
    np.testing.assert_allclose(selection.people[0][1].pixels, walkers[0])
    with pytest.raises(DataError, match="holds one person, id 1"):
        select_people(kp, "2")


def test_video_without_anyone_is_a_one_line_error(video: Path, walkers: np.ndarray) -> None:
    with pytest.raises(DataError, match="no person detected in any frame") as error:
        detect_video_people(video, FakePeople(walkers, people=()), progress=False)
    assert str(video) in str(error.value) and "\n" not in str(error.value)


def test_lift_video_all_people(video: Path, walkers: np.ndarray, checkpoint: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    fake = FakePeople(walkers)
    use_fake(monkeypatch, fake)
    out = tmp_path / "out.npz"
    assert main(["lift", str(video), "--person", "all", "--out", str(out), "--checkpoint", str(checkpoint)]) == 0
    err = capsys.readouterr().err
    assert "tracked 2 people (ids 1, 2)" in err and f"enters at frame {LATE}" in err and "lifting persons 1, 2" in err
    assert fake.closed and not out.exists()
    for person, first in ((1, 0), (2, LATE)):
        data = np.load(out.with_name(f"out_person{person}.npz"))
        assert data["poses_3d"].shape == (FRAMES - first, 17, 3) and data["frames"].tolist() == list(range(first, FRAMES))
        np.testing.assert_allclose(data["keypoints_2d"], walkers[person - 1, first:], atol=1e-3)


def test_lift_video_default_is_the_largest_person(video: Path, walkers: np.ndarray, checkpoint: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    use_fake(monkeypatch, FakePeople(walkers))
    out = tmp_path / "out.npz"
    assert main(["lift", str(video), "--out", str(out), "--checkpoint", str(checkpoint)]) == 0
    assert "lifting person 1" in capsys.readouterr().err
    data = np.load(out)  # one person: the single-person file name and format
    assert data["poses_3d"].shape == (FRAMES, 17, 3)
    np.testing.assert_allclose(data["keypoints_2d"], walkers[0], atol=1e-3)


@pytest.mark.parametrize("people, person, needle", [((0, 1), "7", "--person 7: no such person; the ids are 1, 2"),
                                                    ((0,), "2", "--person 2: no such person;"),
                                                    ((), "largest", "no person detected in any frame")])
def test_lift_video_errors_are_one_line_exit_2(video: Path, walkers: np.ndarray, checkpoint: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                               people: tuple[int, ...], person: str, needle: str) -> None:
    use_fake(monkeypatch, FakePeople(walkers, people=people))
    out = tmp_path / "out.npz"
    assert main(["lift", str(video), "--person", person, "--out", str(out), "--checkpoint", str(checkpoint)]) == 2
    one_line_error(capsys, needle)
    assert not list(tmp_path.glob("out*"))


def test_missing_mediapipe_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_mediapipe(monkeypatch)
    with pytest.raises(DataError) as error:
        MediaPipeMultiPoseDetector()
    assert str(error.value) == MISSING_DETECTOR


@pytest.mark.skipif(not HAS_MEDIAPIPE, reason="mediapipe not installed (optional extra: pip install -e '.[video]')")
def test_mediapipe_finds_two_people_in_composed_photos() -> None:
    canvas = two_photos()
    with MediaPipeMultiPoseDetector(max_people=4) as detector:
        people = detector.detect_people(canvas)
        assert detector.detect_people(np.zeros_like(canvas)).shape == (0, 33, 3)  # several were followed; now nobody
    assert people.shape[0] >= 2 and people.shape[1:] == (33, 3)
    noses = sorted(people[:, 0, 0])
    assert noses[0] < 512 < 900 < noses[-1]  # one on each photo
    frames = [np.ascontiguousarray(np.roll(canvas[:, :700], 3 * t, axis=1)) for t in range(3)]  # one person, panned
    with MediaPipeMultiPoseDetector() as several, MediaPipePoseDetector() as single:
        for frame in frames:  # one person in view: exactly the legacy detector's keypoints
            np.testing.assert_array_equal(several.detect_people(frame), single.detect(frame)[None])


@pytest.mark.skipif(not HAS_MEDIAPIPE, reason="mediapipe not installed (optional extra: pip install -e '.[video]')")
def test_followers_in_threads_find_what_they_find_one_after_another() -> None:
    canvas = two_photos()
    frames = [np.ascontiguousarray(np.roll(canvas, 4 * t, axis=1)) for t in range(12)]  # a census at 0 and 10
    found = []
    for workers in (1, 2):
        with MediaPipeMultiPoseDetector(max_people=4, workers=workers) as detector:
            found.append([detector.detect_people(frame) for frame in frames])
    assert all(len(p) == 2 for p in found[0])
    for one, two in zip(*found):
        np.testing.assert_array_equal(one, two)



class FakeFollowed(FakePeople):
    """FakePeople whose detector follows each walker under its own id (walker index + 1), as the crowd does."""

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        t = self.calls
        people = super().detect_people(frame_rgb)
        here = [p for p in self.people if p == 0 or t >= self.late]
        order = {tuple(self.walkers[p, t, 0]): p for p in here}  # who each returned row is, by its first joint
        self.identities = np.array([order[tuple(row[0, :2])] + 1 for row in people], dtype=np.int64)
        return people


def test_stream_follows_everyone_with_person_all(video: Path, walkers: np.ndarray, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import json

    causal = tmp_path / "causal.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, causal=True))), causal, with_trajectory())
    use_fake(monkeypatch, FakeFollowed(walkers))
    out = tmp_path / "s.npz"
    assert main(["lift", str(video), "--stream", "--person", "all", "--out", str(out), "--checkpoint", str(causal), "--fov", "60"]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    by_person = {p: [line["frame"] for line in lines if line["person"] == p] for p in (1, 2)}
    assert by_person[1] == list(range(FRAMES)) and by_person[2] == list(range(LATE, FRAMES))  # input frame numbers kept
    assert all(len(line["root_3d"]) == 3 for line in lines)
    for p, frames in by_person.items():
        saved = np.load(tmp_path / f"s_person{p}.npz")
        assert saved["poses_3d"].shape == (len(frames), 17, 3) and saved["frames"].tolist() == frames
    assert "streamed 18 frames of person 2" in captured.err and not out.exists()
    keypoints = tmp_path / "k.json"
    keypoints.write_text(json.dumps({"layout": "h36m", "width": WIDTH, "height": HEIGHT, "frames": [
        {"keypoints": np.concatenate([walkers[0, t], np.ones((17, 1))], 1).ravel().tolist()} for t in range(FRAMES)]}))
    assert main(["lift", str(keypoints), "--stream", "--person", "all", "--checkpoint", str(causal)]) == 2
    one_line_error(capsys, "--stream --person all: ")
    assert main(["lift", str(video), "--stream", "--person", "2", "--checkpoint", str(causal)]) == 2
    one_line_error(capsys, "--person 2: a stream follows")


def test_a_person_back_after_a_pause_is_a_new_stream_not_a_backlog() -> None:
    from liftformer.inference.live import Crowd

    class Stream:  # stands in for PersonStream: one line a push
        def __init__(self, pid: int, first_frame: int) -> None:
            self.pid, self.start, self.frames = pid, first_frame, first_frame

        def push(self, points: np.ndarray | None) -> dict:
            self.frames += 1
            return {"frame": self.frames - 1, "seen": points is not None}

    crowd = Crowd(Stream, max_gap=2)
    person = np.zeros((17, 3))
    lines = [crowd.push({1: person} if t < 3 or t >= 10 else {}) for t in range(12)]
    assert [len(frame) for frame in lines] == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1]  # held 2 frames, then paused
    assert lines[10] == [(1, {"frame": 10, "seen": True})]  # back: one line, its own frame, no backlog
    assert [label for label, _ in crowd.streams] == ["1", "1-2"] and crowd.streams[1][1].start == 10
    assert [stream.pid for _, stream in crowd.streams] == [1, 1]  # each stream is made for its id (its own stature)
