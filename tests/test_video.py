"""Video reading and 2D detection on a tiny synthetic mp4 (no MediaPipe or dataset needed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import hide_mediapipe, one_line_error
from liftformer.errors import DataError
from liftformer.inference.sources.detector import MISSING_DETECTOR, MediaPipePoseDetector, detect_video
from liftformer.inference.sources.video import VIDEO_SUFFIXES, VideoInfo, iter_frames, probe_video

FRAMES, WIDTH, HEIGHT, FPS = 12, 64, 48, 12.0
EMPTY_FRAMES = {0, 5, 11}


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 frames 64x48 of a white square moving right, at 12 fps."""
    import imageio.v2 as imageio

    path = tmp_path_factory.mktemp("video") / "square.mp4"
    frames = []
    for t in range(FRAMES):
        frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
        frame[16:32, 4 * t : 4 * t + 16] = 255
        frames.append(frame)
    imageio.mimwrite(path, frames, fps=FPS, codec="libx264", macro_block_size=16)
    return path


class FakeDetector:
    """No person on EMPTY_FRAMES, a fixed BlazePose skeleton elsewhere."""

    layout = "blazepose"

    def __init__(self) -> None:
        self.calls = 0
        self.closed = False
        self.points = np.column_stack([np.arange(33.0), np.arange(33.0) + 100, np.full(33, 0.9)])

    def detect(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        assert frame_rgb.shape == (HEIGHT, WIDTH, 3) and frame_rgb.dtype == np.uint8
        t, self.calls = self.calls, self.calls + 1
        return None if t in EMPTY_FRAMES else self.points

    def close(self) -> None:
        self.closed = True


class NobodyDetector(FakeDetector):
    def detect(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        return None


def assert_one_line_naming(error: pytest.ExceptionInfo, path: Path) -> None:
    message = str(error.value)
    assert str(path) in message and "\n" not in message, message


def test_suffixes() -> None:
    assert ".mp4" in VIDEO_SUFFIXES and all(s.startswith(".") and s == s.lower() for s in VIDEO_SUFFIXES)


def test_probe_video(video: Path) -> None:
    info = probe_video(video)
    assert info == VideoInfo(WIDTH, HEIGHT, pytest.approx(FPS), FRAMES)
    assert probe_video(str(video)).width == WIDTH


def test_iter_frames(video: Path) -> None:
    frames = list(iter_frames(video))
    assert len(frames) == FRAMES
    assert all(f.shape == (HEIGHT, WIDTH, 3) and f.dtype == np.uint8 for f in frames)
    # the square moves right: its brightest column advances
    centres = [np.nonzero(f[24].mean(-1) > 128)[0].mean() for f in frames]
    assert np.all(np.diff(centres) > 0)


def test_iter_frames_scaled_by_the_decoder(video: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A render's background: frames at the size asked for, the same picture (the square still moves right), and no
    warning from imageio that the size is not the video's."""
    full = list(iter_frames(video))
    small = list(iter_frames(video, (WIDTH // 2, HEIGHT // 2)))
    assert len(small) == FRAMES and all(f.shape == (HEIGHT // 2, WIDTH // 2, 3) for f in small)
    for big, half in zip(full, small):
        assert np.abs(big[::2, ::2].astype(int).mean() - half.astype(int).mean()) < 4
    centres = [np.nonzero(f[12].mean(-1) > 128)[0].mean() for f in small]
    assert np.all(np.diff(centres) > 0)
    assert "frame size" not in capfd.readouterr().err


def test_detect_video_fake_detector(video: Path) -> None:
    detector = FakeDetector()
    kp = detect_video(video, detector, progress=False)
    assert detector.calls == FRAMES and not detector.closed  # a passed-in detector stays open
    assert kp.pixels.shape == (FRAMES, 33, 2) and kp.scores.shape == (FRAMES, 33)
    assert (kp.layout, kp.width, kp.height, kp.source) == ("blazepose", WIDTH, HEIGHT, str(video))
    assert kp.fps == pytest.approx(FPS)
    empty = sorted(EMPTY_FRAMES)
    assert np.isnan(kp.pixels[empty]).all() and (kp.scores[empty] == 0).all()
    full = [t for t in range(FRAMES) if t not in EMPTY_FRAMES]
    np.testing.assert_array_equal(kp.pixels[full], np.broadcast_to(detector.points[:, :2], (len(full), 33, 2)))
    np.testing.assert_allclose(kp.scores[full], 0.9)
    assert kp.valid.sum(1).tolist() == [0 if t in EMPTY_FRAMES else 33 for t in range(FRAMES)]


def test_detect_video_no_person(video: Path) -> None:
    with pytest.raises(DataError, match="no person detected in any frame") as error:
        detect_video(video, NobodyDetector(), progress=False)
    assert_one_line_naming(error, video)


def test_corrupt_video(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    for call in (probe_video, iter_frames, lambda p: detect_video(p, FakeDetector(), progress=False)):
        with pytest.raises(DataError) as error:
            call(path)
        assert_one_line_naming(error, path)


def test_missing_video(tmp_path: Path) -> None:
    path = tmp_path / "missing.mp4"
    for call in (probe_video, iter_frames):
        with pytest.raises(DataError, match="no such file") as error:
            call(path)
        assert_one_line_naming(error, path)


def test_missing_mediapipe(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_mediapipe(monkeypatch)
    with pytest.raises(DataError) as error:
        MediaPipePoseDetector()
    assert str(error.value) == MISSING_DETECTOR


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None,
                    reason="mediapipe not installed (optional extra: pip install -e '.[video]')")
def test_mediapipe_blank_frame_has_no_person() -> None:
    with MediaPipePoseDetector() as detector:
        assert detector.layout == "blazepose"
        assert detector.detect(np.zeros((HEIGHT * 4, WIDTH * 4, 3), np.uint8)) is None


def test_mediapipe_native_logs_are_quieted(monkeypatch: pytest.MonkeyPatch) -> None:
    """glog/TFLite levels are set before mediapipe loads (a user's own value wins), absl drops to errors."""
    import os
    import types

    monkeypatch.setenv("GLOG_minloglevel", "")
    monkeypatch.delenv("GLOG_minloglevel")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    levels = []
    absl_logging = types.SimpleNamespace(WARNING=-1, ERROR=-2, get_verbosity=lambda: -1, set_verbosity=levels.append)
    monkeypatch.setitem(sys.modules, "absl", types.SimpleNamespace(logging=absl_logging))
    hide_mediapipe(monkeypatch)
    with pytest.raises(DataError):
        MediaPipePoseDetector()
    assert os.environ["GLOG_minloglevel"] == "2" and os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    assert levels == [-2]


class FakePeopleDetector:
    """The FakeDetector's one person in every frame, as a people detector."""

    layout = "blazepose"

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        return FakeDetector().points[None]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def truncated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 60-frame mp4 with its index first (as streamed files are) cut to a third, and the same without the index."""
    import imageio.v2 as imageio

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(60)]  # noise: bytes spread over frames
    folder = tmp_path_factory.mktemp("truncated")
    cut = {}
    for name, params in (("indexed", ["-movflags", "+faststart"]), ("plain", [])):
        path = folder / f"{name}.mp4"
        imageio.mimwrite(path, frames, fps=FPS, codec="libx264", macro_block_size=16, ffmpeg_params=params)
        cut[name] = folder / f"{name}_cut.mp4"
        cut[name].write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    return cut["indexed"], cut["plain"]


def test_a_truncated_video_is_used_with_one_warning(truncated, capsys) -> None:
    from liftformer.inference.sources.multipose import detect_video_people

    indexed, plain = truncated
    assert probe_video(indexed).num_frames == 60
    kp = detect_video(indexed, FakeDetector(), progress=False)
    decoded = len(kp.pixels)
    assert 5 < decoded < 40
    err = capsys.readouterr().err
    assert err == (f"warning: {indexed}: the decoder stopped after {decoded} of 60 frames stated by the container "
                   "(truncated or damaged file?)\n")
    assert len(detect_video_people(indexed, FakePeopleDetector(), progress=False).people) == decoded
    assert capsys.readouterr().err == err
    with pytest.raises(DataError) as error:  # without its index at the front ffmpeg refuses the cut file: one line
        detect_video(plain, FakeDetector(), progress=False)
    assert_one_line_naming(error, plain)
    assert capsys.readouterr().err == ""


@pytest.fixture(scope="module")
def with_audio(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A whole 12-frame mp4 (1 s) whose sound track runs 3 s, the container's duration; and a 60-frame one with 8 s
    of sound (its index first) cut to a third."""
    import subprocess

    import imageio.v2 as imageio
    import imageio_ffmpeg

    folder = tmp_path_factory.mktemp("audio")
    ffmpeg = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y"]
    whole = folder / "whole.mp4"
    subprocess.run([*ffmpeg, "-f", "lavfi", "-i", f"testsrc=size={WIDTH}x{HEIGHT}:rate={FPS:g}:duration=1", "-f", "lavfi",
                    "-i", "sine=duration=3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(whole)], check=True)
    rng = np.random.default_rng(0)
    silent = folder / "silent.mp4"
    imageio.mimwrite(silent, [rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(60)], fps=FPS,
                     codec="libx264", macro_block_size=16)
    sound = folder / "sound.mp4"
    subprocess.run([*ffmpeg, "-i", str(silent), "-f", "lavfi", "-i", "sine=duration=8", "-c:v", "copy", "-c:a", "aac",
                    "-movflags", "+faststart", str(sound)], check=True)
    cut = folder / "sound_cut.mp4"
    cut.write_bytes(sound.read_bytes()[: sound.stat().st_size // 3])
    return whole, cut


def test_a_video_whose_sound_runs_longer_is_counted_by_its_video_stream(with_audio, capsys) -> None:
    whole, cut = with_audio
    assert probe_video(whole).num_frames == FRAMES  # the container says 3 s: 36 frames
    assert len(detect_video(whole, FakeDetector(), progress=False).pixels) == FRAMES
    assert capsys.readouterr().err == ""
    decoded = len(detect_video(cut, FakeDetector(), progress=False).pixels)  # really truncated: still said
    err = capsys.readouterr().err
    assert decoded < 40 and err.count("\n") == 1 and f"warning: {cut}: the decoder stopped after {decoded} of 96 frames" in err


def test_a_whole_video_gives_no_warning(video: Path, capsys) -> None:
    detect_video(video, FakeDetector(), progress=False)
    assert capsys.readouterr().err == ""


def test_an_image_renamed_as_a_video_has_no_video_stream(tmp_path: Path, capsys) -> None:
    import imageio.v2 as imageio

    from liftformer.cli.main import main

    for kind, suffix in (("PNG", ".png"), ("JPEG", ".jpg")):
        image = tmp_path / f"photo{suffix}"
        imageio.imwrite(image, np.zeros((HEIGHT, WIDTH, 3), np.uint8))
        renamed = image.rename(tmp_path / f"photo_{kind}.mp4")
        for call in (probe_video, iter_frames, lambda p: detect_video(p, FakeDetector(), progress=False)):
            with pytest.raises(DataError, match=f"no video stream: the file is a {kind} image") as error:
                call(renamed)
            assert_one_line_naming(error, renamed)
    assert main(["lift", str(renamed), "--out", str(tmp_path / "o.npz")]) == 2
    one_line_error(capsys, f"{renamed}: no video stream", no_stdout=True)


def test_an_audio_file_has_no_video_stream(tmp_path: Path) -> None:
    import subprocess

    import imageio_ffmpeg

    audio = tmp_path / "voice.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=0.2", str(audio)],
                   check=True)
    with pytest.raises(DataError, match=r"no video stream \(the file holds audio only\)") as error:
        probe_video(audio)
    assert_one_line_naming(error, audio)
