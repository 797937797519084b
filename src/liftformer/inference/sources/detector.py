"""Offline 2D keypoint detection on video frames (optional extra: ``pip install -e '.[video]'``).

:class:`MediaPipePoseDetector` runs MediaPipe Pose (BlazePose "full", ``model_complexity=1``),
whose model files ship inside the wheel: nothing is downloaded at run time. The lite (0) and
heavy (2) models would be downloaded on first use and are deliberately not offered. It follows one
person (``lift --stream``); offline video finds everyone with :mod:`~liftformer.inference.sources.multipose`.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from liftformer.data.layouts import JOINT_COUNTS
from liftformer.errors import DataError
from liftformer.inference.sources.keypoints import Keypoints2D
from liftformer.inference.sources.video import iter_frames, probe_video, report_short_decode

MISSING_DETECTOR = "video input needs the optional detector: pip install -e '.[video]' (MediaPipe Pose)"
MODEL_COMPLEXITY = 1  # BlazePose full: the only pose model inside the wheel (0 and 2 download)
MIN_DETECTION_CONFIDENCE = 0.5
MIN_TRACKING_CONFIDENCE = 0.5


class Detector(Protocol):
    """Finds the one most prominent person in an RGB frame."""

    layout: str  # a name from liftformer.data.layouts.LAYOUTS

    def detect(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        """(J, 3) pixel x, y and score, or None when there is no person."""
        ...

    def close(self) -> None:
        """Release the detector's resources."""
        ...


class MediaPipePoseDetector:
    """MediaPipe Pose (legacy solutions API) in video mode: 33 BlazePose landmarks, score = visibility."""

    layout = "blazepose"

    def __init__(self) -> None:
        self._pose = _make_pose()

    def detect(self, frame_rgb: np.ndarray) -> np.ndarray | None:
        frame = np.ascontiguousarray(frame_rgb, dtype=np.uint8)
        landmarks = self._pose.process(frame).pose_landmarks
        if landmarks is None:
            return None
        height, width = frame.shape[:2]
        return np.array([(p.x * width, p.y * height, p.visibility) for p in landmarks.landmark], dtype=np.float64)

    def close(self) -> None:
        self._pose.close()

    def __enter__(self) -> MediaPipePoseDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def detect_video(path: str | os.PathLike, detector: Detector | None = None, progress: bool = True) -> Keypoints2D:
    """Run ``detector`` (default: MediaPipe Pose) on every frame of a video.

    Frames without a person keep their place with NaN coordinates and score 0. A detector
    passed in is left open; the default one is closed here.
    """
    info = probe_video(path)
    own = detector is None
    if detector is None:
        detector = MediaPipePoseDetector()
    try:
        frames = iter_frames(path)
        bar = tqdm(frames, total=info.num_frames, desc="detecting 2D keypoints", unit="frame", disable=None if progress else True)
        shapes: list[tuple[int, int]] = []
        detections = []
        for frame in bar:
            shapes.append(frame.shape[:2])
            detections.append(detector.detect(frame))
    finally:
        if own:
            detector.close()
    if not detections:
        raise DataError(f"{path}: the video has no frames")
    pixels, scores = _stack(path, detections, detector.layout)
    height, width = shapes[0]
    report_short_decode(path, len(detections), info.num_frames)  # after the errors: they stay one line
    return Keypoints2D(pixels, scores, detector.layout, int(width), int(height), info.fps, str(path))


def _stack(path: str | os.PathLike, detections: list[np.ndarray | None], layout: str) -> tuple[np.ndarray, np.ndarray]:
    """(T, J, 2) pixels with NaN and (T, J) scores with 0 where no person was found."""
    first = next((d for d in detections if d is not None), None)
    if first is None:
        raise DataError(f"{path}: no person detected in any frame")
    joints = JOINT_COUNTS.get(layout) or len(first)
    pixels = np.full((len(detections), joints, 2), np.nan)
    scores = np.zeros((len(detections), joints))
    for t, d in enumerate(detections):
        if d is None:
            continue
        d = np.asarray(d, dtype=np.float64)
        if d.shape != (joints, 3):
            raise ValueError(f"detector returned {d.shape} for layout {layout}, expected ({joints}, 3)")
        pixels[t], scores[t] = d[:, :2], d[:, 2]
    return pixels, scores


def _make_pose() -> Any:
    """A ``mediapipe.solutions.pose.Pose`` in video mode, BlazePose full."""
    pose_module, options_types = _import_mediapipe()

    class _Pose(pose_module.Pose):  # type: ignore[name-defined]  # mediapipe is optional and untyped
        def _modify_calculator_options(self, config: Any, params: dict) -> None:
            _set_calculator_options(config, params, options_types)

    return _Pose(
        static_image_mode=False,
        model_complexity=MODEL_COMPLEXITY,
        smooth_landmarks=True,
        min_detection_confidence=MIN_DETECTION_CONFIDENCE,
        min_tracking_confidence=MIN_TRACKING_CONFIDENCE,
    )


def _import_mediapipe() -> tuple[Any, dict]:
    """The pose module and mediapipe's calculator → options-type map, or a one-line DataError."""
    with importing_mediapipe("MediaPipe Pose"):
        from mediapipe.python import solution_base
        from mediapipe.python.solutions import pose
    return pose, solution_base.CALCULATOR_TO_OPTIONS


@contextlib.contextmanager
def importing_mediapipe(what: str) -> Iterator[None]:
    """Import mediapipe modules in this block: native logs quieted, the harmless protobuf message its C++
    bindings print at import (protobuf >= 5) dropped, a missing or broken install a one-line DataError."""
    _quiet_native_logs()
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            yield
    except ImportError:
        raise DataError(MISSING_DETECTOR) from None
    except Exception as e:  # noqa: BLE001 — a broken install, not a bug here
        raise DataError(f"{what} cannot be loaded ({type(e).__name__}: {first_line(e)}); "
                        "reinstall with pip install -e '.[video]'") from None
    finally:
        noise = [line for line in captured.getvalue().splitlines() if line and "GetPrototype" not in line]
        if noise:
            print("\n".join(noise), file=sys.stderr)


def first_line(error: BaseException) -> str:
    """The first non-blank line of an error's message (mediapipe's graph errors run to several lines)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _quiet_native_logs() -> None:
    """Keep MediaPipe's glog and TFLite INFO/WARNING lines off stderr (read when mediapipe loads;
    values the user set are kept), and absl's Python warnings."""
    os.environ.setdefault("GLOG_minloglevel", "2")  # glog: errors and fatal only
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow Lite: nothing but fatal
    try:
        from absl import logging as absl_logging  # a mediapipe dependency
    except ImportError:
        return
    if absl_logging.get_verbosity() == absl_logging.WARNING:  # the default; a user who asked for more keeps it
        absl_logging.set_verbosity(absl_logging.ERROR)


def _set_calculator_options(config: Any, params: dict, options_types: dict) -> None:
    """Set scalar calculator options ("node.field" → value) in a graph config.

    Replaces mediapipe's own version, which reads ``FieldDescriptor.label``: removed in
    protobuf 7, so the legacy solutions fail there without this.
    """
    wanted: dict[str, list[tuple[str, Any]]] = {}
    for key, value in params.items():
        node_name, field = key.split(".")
        wanted.setdefault(node_name, []).append((field, value))
    for node in config.node:
        for field, value in wanted.pop(node.name, []):
            if node.node_options:
                raise RuntimeError(f"cannot set {node.name}.{field}: node_options are not supported")
            options = node.options.Extensions[options_types[node.calculator].ext]
            if value is None:
                options.ClearField(field)
            else:
                setattr(options, field, value)
    if wanted:
        raise RuntimeError(f"calculators not in the MediaPipe graph: {', '.join(wanted)}")
