"""One-Euro smoothing of keypoint tracks (MediaPipe's legacy parameters), and where it applies: only the frames a
detector left unsmoothed (the followers' of several people), never keypoint files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liftformer.inference.sources.keypoints import Keypoints2D, PeopleKeypoints
from liftformer.inference.tracks.smoothing import object_scale, one_euro, smooth_keypoints, smooth_visibility
from liftformer.inference.tracks.tracking import select_people

FPS, T, J = 30.0, 120, 33


def body(scale: float = 400.0, centre: tuple[float, float] = (960.0, 540.0)) -> np.ndarray:
    """(J, 2) pixels of a fixed random pose ``scale`` pixels wide and high around ``centre``."""
    unit = np.random.default_rng(7).uniform(-0.5, 0.5, (J, 2))
    unit = (unit - unit.min(0)) / (unit.max(0) - unit.min(0)) - 0.5  # exactly 1 wide and 1 high
    return np.asarray(centre) + scale * unit


def jitter(track: np.ndarray) -> float:
    """Frame-to-frame jitter: the std over time of each joint's per-frame step, mean over joints and axes."""
    return float(np.nanstd(np.diff(track, axis=0), axis=0).mean())


def test_still_person_jitter_drops_by_a_large_factor() -> None:
    noisy = body()[None] + np.random.default_rng(0).normal(0.0, 1.5, (T, J, 2))  # 1.5 px noise on a 400 px person
    smooth = one_euro(noisy, FPS)
    before, after = jitter(noisy[30:]), jitter(smooth[30:])
    assert before > 2.0 and after < before / 5  # ≈ 2.1 px → ≈ 0.3 px with MediaPipe's parameters
    assert np.abs(smooth[60:] - body()).mean() < 1.0  # and it sits on the true position
    heavy = body()[None] + np.random.default_rng(0).normal(0.0, 5.0, (T, J, 2))  # more noise opens the filter more (beta)
    assert jitter(one_euro(heavy, FPS)[30:]) < jitter(heavy[30:]) / 2.5


def test_fast_steady_motion_is_followed_with_small_lag() -> None:
    speed = 600.0  # px/s: 1.5 body sizes a second, 20 px a frame at 30 frames/s
    t = np.arange(T)[:, None, None]
    moving = body()[None] + np.array([speed / FPS, 0.0]) * t
    smooth = one_euro(moving, FPS)
    lag = (moving - smooth)[20:, :, 0]  # pixels behind, once the speed estimate has settled
    assert (lag > 0).all() and lag.max() < 0.1 * speed / FPS  # steady state (1 - a) / a × 20 px ≈ 1.6 px: a tenth of a step
    np.testing.assert_allclose(smooth[:, :, 1], moving[:, :, 1])  # no motion in y: no error in y


def test_missing_frames_stay_nan_and_restart_the_filter() -> None:
    rng = np.random.default_rng(1)
    noisy = body()[None] + rng.normal(0.0, 3.0, (T, J, 2))
    noisy[40:45] = np.nan  # the person is lost for five frames
    noisy[50:, 3] = np.nan  # one joint lost from frame 50 on
    noisy[70:, :] += 200.0  # found again far away: the filter must not drag it from the old place
    noisy[70:, 3] = np.nan
    smooth = one_euro(noisy, FPS)
    assert np.isnan(smooth[40:45]).all() and np.isnan(smooth[50:, 3]).all()
    assert np.isfinite(np.delete(smooth, 3, axis=1)).all(-1)[np.r_[0:40, 45:T]].all()
    np.testing.assert_array_equal(smooth[45], noisy[45])  # a restart: the first value is the input
    np.testing.assert_array_equal(smooth[0], noisy[0])
    cut = one_euro(noisy[45:], FPS)  # the same as a clip starting after the gap
    np.testing.assert_allclose(smooth[45:], cut, equal_nan=True)


def test_scaling_the_pixels_scales_the_output() -> None:
    rng = np.random.default_rng(2)
    walk = body(300.0)[None] + np.cumsum(rng.normal(0.0, 4.0, (T, 1, 2)), 0) + rng.normal(0.0, 2.0, (T, J, 2))
    base = one_euro(walk, FPS)
    for k in (0.25, 3.0):
        np.testing.assert_allclose(one_euro(walk * k, FPS), base * k, rtol=1e-9, atol=1e-9)
    shifted = one_euro(walk + np.array([123.0, -45.0]), FPS)  # and translating translates it
    np.testing.assert_allclose(shifted, base + np.array([123.0, -45.0]), atol=1e-9)


def test_object_scale_is_mediapipes_mean_box_side() -> None:
    pts = np.array([[[0.0, 0.0], [100.0, 50.0], [np.nan, np.nan]], [[np.nan, 1.0], [np.nan, np.nan], [np.nan, np.nan]]])
    np.testing.assert_allclose(object_scale(pts), [75.0, np.nan])


def test_visibility_is_averaged_and_restarts() -> None:
    scores = np.array([[1.0], [0.0], [0.0], [0.5], [0.5]])
    valid = np.array([[True], [True], [True], [False], [True]])
    np.testing.assert_allclose(smooth_visibility(scores, valid)[:, 0], [1.0, 0.9, 0.81, 0.5, 0.5])


def test_smooth_keypoints_touches_only_the_rows_given() -> None:
    rng = np.random.default_rng(3)
    pixels = body()[None] + rng.normal(0.0, 1.5, (T, J, 2))
    kp = Keypoints2D(pixels, rng.uniform(0.2, 1.0, (T, J)), "blazepose", 1920, 1080, FPS)
    rows = np.arange(T) >= 30
    out = smooth_keypoints(kp, rows)
    np.testing.assert_array_equal(out.pixels[:30], pixels[:30])
    assert out.scores is not None and kp.scores is not None
    np.testing.assert_array_equal(out.scores[:30], kp.scores[:30])
    np.testing.assert_allclose(out.pixels[30:], one_euro(pixels[30:], FPS))
    assert jitter(out.pixels[40:]) < jitter(pixels[40:]) / 5 and out.layout == "blazepose" and out.fps == FPS


def two_people(unsmoothed: np.ndarray | None) -> PeopleKeypoints:
    """Two still people with 1.5 px noise in every frame, as a video's detections."""
    rng = np.random.default_rng(4)
    tracks = np.stack([body(300.0, (500.0, 540.0)), body(200.0, (1400.0, 540.0))])
    people = [np.concatenate([tracks + rng.normal(0.0, 1.5, tracks.shape), np.full((2, J, 1), 0.9)], -1) for _ in range(T)]
    largest = np.stack([p[0] for p in people])
    return PeopleKeypoints(largest[..., :2], largest[..., 2], "blazepose", 1920, 1080, FPS, "clip.mp4", people=people,
                           unsmoothed=unsmoothed)


def test_select_people_smooths_only_unsmoothed_video_frames() -> None:
    raw = select_people(two_people(None), "all").people
    half = np.arange(T) >= T // 2
    smooth = select_people(two_people(half), "all").people
    for (_, a), (_, b) in zip(raw, smooth):
        np.testing.assert_array_equal(b.pixels[: T // 2], a.pixels[: T // 2])  # frames the detector smoothed: as given
        assert jitter(b.pixels[T // 2 + 10:]) < jitter(a.pixels[T // 2 + 10:]) / 3


def test_one_person_video_from_the_tasks_path_is_smoothed_once() -> None:
    kp = two_people(np.ones(T, bool))
    kp.people = [p[:1] for p in kp.people]  # one person per frame: the single-person branch
    (_, chosen), = select_people(kp).people
    assert jitter(chosen.pixels[10:]) < jitter(kp.pixels[10:]) / 3
    assert isinstance(chosen, PeopleKeypoints) and chosen.unsmoothed is None  # not again if selected again
    (_, again), = select_people(chosen).people
    np.testing.assert_array_equal(again.pixels, chosen.pixels)


def test_keypoint_files_are_not_smoothed() -> None:
    pixels = body()[None] + np.random.default_rng(5).normal(0.0, 5.0, (T, J, 2))
    kp = Keypoints2D(pixels, np.full((T, J), 0.9), "blazepose", 1920, 1080, FPS, "keypoints.npz")
    (_, chosen), = select_people(kp).people
    assert chosen is kp


class HalfTasks:
    """Two still people; the first ``smoothed_until`` frames as if the legacy graph had smoothed them."""

    layout = "blazepose"

    def __init__(self, smoothed_until: int) -> None:
        self.calls, self.smoothed_until, self.smoothed = 0, smoothed_until, True
        self.person = two_people(None).people

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        t, self.calls = self.calls, self.calls + 1
        self.smoothed = t < self.smoothed_until
        return self.person[t]

    def close(self) -> None:
        pass


def test_video_frames_the_detector_left_unsmoothed_are_marked(tmp_path: Path) -> None:
    import imageio.v2 as imageio

    from liftformer.inference.sources.multipose import detect_video_people

    video = tmp_path / "grey.mp4"
    imageio.mimwrite(video, [np.full((64, 64, 3), 96, np.uint8)] * 12, fps=FPS, codec="libx264", macro_block_size=16)
    kp = detect_video_people(video, HalfTasks(5), progress=False)
    assert kp.unsmoothed is not None and kp.unsmoothed.tolist() == [False] * 5 + [True] * 7
    assert detect_video_people(video, HalfTasks(99), progress=False).unsmoothed is None


def test_a_stream_is_smoothed_frame_by_frame_as_its_whole_track_is():
    from liftformer.inference.tracks.smoothing import StreamSmoother, smooth_keypoints

    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.normal(0, 3, (40, 17, 2)), 0) + 300
    scores = rng.uniform(0.2, 1, (40, 17))
    kp = Keypoints2D(walk, scores, "h36m", 640, 480, 25.0)
    whole = smooth_keypoints(kp)
    smoother = StreamSmoother(17, 25.0)
    streamed = np.stack([smoother(np.concatenate([p, s[:, None]], 1)) for p, s in zip(walk, scores)])
    np.testing.assert_allclose(streamed[..., :2], whole.pixels)
    np.testing.assert_allclose(streamed[..., 2], whole.scores)
    assert np.abs(streamed[..., :2] - walk).max() > 1  # it did smooth
