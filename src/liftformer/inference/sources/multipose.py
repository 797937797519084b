"""Every person in each video frame, with MediaPipe Pose's models inside the wheel.

The legacy solutions API (:mod:`~liftformer.inference.sources.detector`) follows one person. Every
``CENSUS_EVERY`` frames BlazePose's person detector (:class:`~liftformer.inference.sources.graphs.PoseDetector`)
counts the people in view, in the whole frame and, in a frame more than 1.2x longer than wide, in its square
tiles (:mod:`~liftformer.inference.sources.regions`). While it has seen one person, the legacy graph follows them
exactly as before (same keypoints, smoothing included). Once it sees several, each person is followed on a
region of their own (:mod:`~liftformer.inference.sources.followers`), the census re-finding the lost and adding
newcomers. Tracking ids across frames is :func:`~liftformer.inference.tracks.tracking.choose_people`'s job; so is
smoothing each person on the frames the followers found (they do not smooth), with the legacy graph's One-Euro
parameters (:mod:`~liftformer.inference.tracks.smoothing`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from liftformer.data.layouts import JOINT_COUNTS
from liftformer.errors import DataError
from liftformer.inference.sources.detector import MediaPipePoseDetector
from liftformer.inference.sources.followers import Crowd
from liftformer.inference.sources.graphs import PoseDetector, RoiLandmarker
from liftformer.inference.sources.keypoints import PeopleKeypoints
from liftformer.inference.sources.regions import Roi, distinct, square_tiles
from liftformer.inference.sources.video import iter_frames, probe_video, report_short_decode
from liftformer.threads import prefetched

MAX_PEOPLE = 8  # the most people followed at once
WORKERS = 2  # threads that look for the people of a frame at once (MediaPipe's graphs release the GIL)
CENSUS_EVERY = 10  # frames between two counts of the people in view


class PeopleDetector(Protocol):
    """Finds every person in the frames of one video, given in order. A detector may also say, in a bool attribute
    ``smoothed`` read after each frame, whether that frame's keypoints were smoothed over time (taken as True if
    absent; the chosen people are smoothed on the frames where it was False), and in ``identities`` ((P,) int or
    None) which person it followed each detection as (tracking keeps one id's detections together). One with a
    method ``upcoming(frame)`` is shown each frame before the one it is asked about (work on it may start early;
    the results must not depend on it)."""

    layout: str  # a name from liftformer.data.layouts.LAYOUTS

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        """(P, J, 3) pixel x, y and score of the P people in the next frame (P may be 0)."""
        ...

    def close(self) -> None:
        """Release the detector's resources."""
        ...


class MediaPipeMultiPoseDetector:
    """Every person in a video's frames, given in order: BlazePose full, 33 landmarks each, score = visibility.

    A census (BlazePose's person detector on the whole frame and, in a long frame, its square tiles) every
    ``CENSUS_EVERY`` frames; one person is followed by the legacy :class:`MediaPipePoseDetector` (a one-person video
    gives exactly its smoothed keypoints), several by a :class:`~liftformer.inference.sources.followers.Crowd`, each
    on their own region, looked for in ``workers`` threads at once, the census counting while they look.
    ``smoothed`` is False after a frame the crowd found (its keypoints are smoothed after tracking instead).
    """

    layout = "blazepose"

    def __init__(self, max_people: int = MAX_PEOPLE, workers: int = WORKERS) -> None:
        self._single: MediaPipePoseDetector | None = MediaPipePoseDetector()
        self._census = PoseDetector() if max_people > 1 else None
        # made now, not at the switch to several people (a 0.2 s hiccup in a stream)
        self._landmarkers = [RoiLandmarker() for _ in range(workers)] if max_people > 1 else []
        self._crowd: Crowd | None = None  # the followers, once several have been seen
        self._max_people, self._frames = max_people, 0
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="detect") if workers > 1 else None
        self._last: np.ndarray | None = None  # the one person's latest keypoints while the legacy graph follows them
        self.census_wanted = True  # cleared by another detector that sees everyone followed (no census is then run)
        self.smoothed = True  # whether the last frame's keypoints were smoothed over time (by the legacy graph)
        self.identities = np.zeros(0, dtype=np.int64)  # (P,) who each of the last frame's people is: 1 for the one person
        # the legacy graph follows, then the followers' ids (the one person's follower keeps 1)

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        frame = np.ascontiguousarray(frame_rgb, dtype=np.uint8)
        t, self._frames = self._frames, self._frames + 1
        census: Future | None = None
        if self._census is not None and t % CENSUS_EVERY == 0 and self.census_wanted:
            if self._crowd is None:
                seen = self._count(frame)
                if len(seen) > 1:  # several in view: from now on each is followed on their own
                    self._close_followers()
                    self._crowd = Crowd(self._max_people, JOINT_COUNTS[self.layout], self._landmarkers, self._pool)
                    self._crowd.census(seen, self._last)
            else:  # counted while the followers look; what it finds is followed from the next frame
                census = self._pool.submit(self._count, frame) if self._pool is not None else _done(self._count(frame))
        if self._single is not None:
            one = self._single.detect(frame)
            people = np.zeros((0, JOINT_COUNTS[self.layout], 3)) if one is None else one[None]
            self._last = one if one is not None else self._last
            self.identities = np.ones(len(people), dtype=np.int64)
        else:
            assert self._crowd is not None
            people = self._crowd.detect(frame)
            if census is not None:
                self._crowd.census(census.result())
            self.identities = self._crowd.identities
        self.smoothed = self._single is not None
        return people

    def _count(self, frame: np.ndarray) -> list[Roi]:
        """The regions of the people in view: in the whole frame and, in a frame more than 1.2x longer than wide, in
        its square tiles, one region each."""
        assert self._census is not None
        whole = self._census.regions(frame)
        if len(whole) >= self._max_people or not square_tiles(*frame.shape[:2]):
            return whole[: self._max_people]
        tiles = [[roi.shifted(left, top) for roi in self._census.regions(np.ascontiguousarray(frame[top:top + side, left:left + side]))]
                 for top, left, side in square_tiles(*frame.shape[:2])]
        return distinct([whole, *tiles])[: self._max_people]

    def _close_followers(self) -> None:
        if self._single is not None:
            self._single.close()
        if self._crowd is not None:
            self._crowd.close()
        self._single, self._crowd = None, None

    def close(self) -> None:
        if self._pool is not None:  # no look still running on a graph about to close
            self._pool.shutdown()
            self._pool = None
        self._close_followers()
        for landmarker in self._landmarkers:
            landmarker.close()
        self._landmarkers = []
        if self._census is not None:
            self._census.close()
            self._census = None

    def __enter__(self) -> MediaPipeMultiPoseDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _done(value: Any) -> Future:
    """A future that already holds ``value``."""
    future: Future = Future()
    future.set_result(value)
    return future


def detect_video_people(path: str | os.PathLike, detector: PeopleDetector | None = None, progress: bool = True,
                        open_detector: Callable[[], PeopleDetector] | None = None) -> PeopleKeypoints:
    """Run ``detector`` (default: one ``open_detector`` makes, else :class:`MediaPipeMultiPoseDetector`) on every frame
    of a video.

    The result's ``people`` go to :func:`~liftformer.inference.tracks.tracking.choose_people` (``select_people`` does
    that when some frame holds several); as keypoints it is each frame's largest person. One-line DataError
    for a video without frames or without any person. A detector passed in is left open; one made here (after the
    video is checked) is closed.
    """
    info = probe_video(path)
    own = detector is None
    if detector is None:
        detector = (open_detector or MediaPipeMultiPoseDetector)()
    try:
        frames = prefetched(iter_frames(path))  # decoded while the detector works
        bar = tqdm(frames, total=info.num_frames, desc="detecting people", unit="frame", disable=None if progress else True)
        shapes: list[tuple[int, int]] = []
        people: list[np.ndarray] = []
        unsmoothed: list[bool] = []
        identities: list[np.ndarray | None] = []
        for frame, following in ahead(bar):
            shapes.append(frame.shape[:2])
            if following is not None and hasattr(detector, "upcoming"):
                detector.upcoming(following)
            people.append(np.asarray(detector.detect_people(frame), dtype=np.float64))
            unsmoothed.append(not getattr(detector, "smoothed", True))
            identities.append(getattr(detector, "identities", None))
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
            largest[t] = p[np.argmax([box_area(q) for q in p])]
    height, width = shapes[0]
    report_short_decode(path, len(people), info.num_frames)  # after the errors: they stay one line
    return PeopleKeypoints(largest[..., :2], largest[..., 2], detector.layout, int(width), int(height), info.fps, str(path),
                           people=people, unsmoothed=np.array(unsmoothed) if any(unsmoothed) else None,
                           identities=_identities(identities, people))


def ahead(frames: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Each frame with the one after it (None after the last)."""
    it = iter(frames)
    frame = next(it, None)
    while frame is not None:
        following = next(it, None)
        yield frame, following
        frame = following


def _identities(given: list[np.ndarray | None], people: list[np.ndarray]) -> list[np.ndarray] | None:
    """Per frame (P_t,) the ids a detector gave its people, -1 where it gave none; None when it never gave any."""
    if all(ids is None for ids in given):
        return None
    return [np.full(len(p), -1, dtype=np.int64) if ids is None or len(ids) != len(p) else np.asarray(ids, dtype=np.int64)
            for ids, p in zip(given, people)]


def box_area(points: np.ndarray) -> float:
    """Bounding-box area (pixels²) of one (J, 3) detection's located joints."""
    xy = points[np.isfinite(points[:, :2]).all(-1), :2]
    return float(np.prod(xy.max(0) - xy.min(0))) if len(xy) else 0.0
