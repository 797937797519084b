"""Read any input by its path: a video (everyone in each frame, by the MediaPipe detectors) or a keypoint file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from liftformer.inference.sources.keypoints import Keypoints2D, read_keypoints
from liftformer.inference.sources.video import VIDEO_SUFFIXES

if TYPE_CHECKING:
    from liftformer.inference.sources.multipose import PeopleDetector

DETECTORS = {"fused": "BlazePose and MoveNet MultiPose averaged (the default; both in the [video] extra)",
             "blazepose": "BlazePose's followers alone (1.2-1.6x faster, less accurate on real footage)"}


def is_video(path: str) -> bool:
    """Whether ``path`` is read as a video (by its suffix)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def people_detector(name: str) -> PeopleDetector:
    """The detector ``name`` (one of ``DETECTORS``) started; a one-line DataError when it is not installed."""
    if name not in DETECTORS:
        raise ValueError(f"unknown detector {name!r} (choose from {', '.join(DETECTORS)})")
    if name == "fused":
        from liftformer.inference.sources.fusion import FusedDetector

        return FusedDetector()
    from liftformer.inference.sources.multipose import MediaPipeMultiPoseDetector

    return MediaPipeMultiPoseDetector()


def read_people(path: str, verbose: bool = False, max_people: int | None = None, detector: str = "fused") -> Keypoints2D:
    """Everyone in each frame of ``path``: a video's detections (by ``detector``, a name from ``DETECTORS``; native
    log lines hidden unless ``verbose``) or a keypoint file; a
    :class:`~liftformer.inference.sources.keypoints.PeopleKeypoints` where frames may hold several people. One-line
    DataError for a file that cannot be read or holds nobody, or whose frame lists more than ``max_people`` persons
    (None: no limit; a video's detectors follow at most 8)."""
    if not is_video(path):
        return read_keypoints(path, max_people)
    from liftformer.inference.sources.multipose import detect_video_people
    from liftformer.inference.sources.native_logs import quiet_native_logs

    with quiet_native_logs(not verbose):  # a bad video is refused before the detector starts, which is closed after
        return detect_video_people(path, open_detector=lambda: people_detector(detector))
