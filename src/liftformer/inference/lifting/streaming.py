"""Real-time lifting with a causal model: one 3D pose out as soon as each 2D frame arrives.

A ring buffer holds the last N frames; before N frames have arrived it is filled with the
first frame, exactly the edge padding that batch lifting uses, so a stream gives the same
numbers as :func:`~liftformer.inference.lifting.sequence.lift_sequence` on the whole sequence (for a
centre-head model; a causal sequence-head model streams the pose of its window's last frame).

:class:`KeypointStream` is the front end for live detections: layout conversion, missing and
low-confidence joints, and input frame numbering around a :class:`StreamingLifter`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from liftformer.data.camera import normalize_screen_coordinates
from liftformer.data.layouts import JOINT_COUNTS, guess_layout, to_h36m
from liftformer.data.skeleton import H36M_17, Skeleton, flip_horizontal
from liftformer.errors import DataError
from liftformer.inference.lifting.sequence import predict_windows
from liftformer.inference.options import LiftOptions
from liftformer.model import WindowModel


class StreamingLifter:
    """Feed normalised 2D frames (J_in, 2) one at a time with :meth:`push`; get (J_out, 3) back."""

    def __init__(self, model: WindowModel, flip: tuple[Skeleton, Skeleton] | None = None) -> None:
        if not model.config.causal:
            raise ValueError("streaming needs a causal model (its window holds only past frames)")
        self.model = model.eval()
        self.flip = flip
        cfg = model.config
        self.device = next(model.parameters()).device
        self.buffer = torch.zeros(cfg.receptive_field, cfg.num_joints_in, 2, device=self.device)
        self.count = 0  # frames pushed so far

    def reset(self) -> None:
        """Start a new stream (the next frame is padded as a first frame)."""
        self.count = 0

    @torch.inference_mode()
    def push(self, keypoints: np.ndarray | torch.Tensor) -> np.ndarray:
        """Add one frame (J_in, 2) and return the root-relative 3D pose (J_out, 3) of that frame."""
        cfg = self.model.config
        frame = torch.as_tensor(keypoints, dtype=torch.float32, device=self.device)
        if frame.shape != (cfg.num_joints_in, 2):
            raise ValueError(f"expected one frame of keypoints ({cfg.num_joints_in}, 2), got {tuple(frame.shape)}")
        if not torch.isfinite(frame).all():
            raise ValueError("keypoints contain NaN or infinite values")
        n = cfg.receptive_field
        if self.count == 0:
            self.buffer[:] = frame  # edge padding: the first frame fills the whole past
        else:
            self.buffer[self.count % n] = frame
        self.count += 1
        # oldest → newest: slots count % n … count % n + n - 1 (mod n)
        order = (torch.arange(n, device=self.device) + self.count) % n
        window = self.buffer[order].unsqueeze(0)
        if self.flip is None:
            return predict_windows(self.model, window)[0].float().cpu().numpy()
        # flip TTA as in predict_windows, but the frame and its mirror image in one forward pass (~35% faster)
        skel_in, skel_out = self.flip
        pred = predict_windows(self.model, torch.cat([window, flip_horizontal(window, skel_in)]))
        return (0.5 * (pred[0] + flip_horizontal(pred[1], skel_out))).float().cpu().numpy()


@dataclass
class StreamResult:
    """One lifted frame of a :class:`KeypointStream`."""

    frame: int  # index of the input frame this pose belongs to (counting frames without a pose)
    pose: np.ndarray  # (17, 3) root-relative 3D, metres
    pixels: np.ndarray  # (17, 2) H36M-17 pixels that were lifted
    filled: np.ndarray  # (17,) bool: held from an earlier frame or below min_score, not detected now


class KeypointStream:
    """Live 2D detections in any layout → 3D poses with a causal model, one input frame at a time.

    :meth:`push` takes (J, 3) pixel x, y, score in ``layout`` ((J, 2): score 1), or None when
    the frame has no person. A joint is detected when located with a score above ``min_score``;
    a joint never detected so far follows its low-confidence estimate; any other missing joint
    holds its last position. Every pose keeps its input frame index. Frames before every
    H36M-17 joint has been located once give no pose (:attr:`first` is the first that did); runs
    of more than ``max_gap`` frames without a person after it are collected in :attr:`long_gaps`. A person
    who first appears at input frame ``first_frame`` is streamed from there.
    """

    def __init__(
        self,
        model: WindowModel,
        layout: str,
        image_size: tuple[int, int],
        min_score: float = 0.3,
        max_gap: int = 10,
        flip: bool = True,
        first_frame: int = 0,
    ) -> None:
        if layout not in JOINT_COUNTS:
            raise ValueError(f"unknown keypoint layout '{layout}' (choose from {', '.join(JOINT_COUNTS)})")
        self.lifter = StreamingLifter(model, (H36M_17, H36M_17) if flip else None)
        self.layout, self.image_size, self.min_score, self.max_gap = layout, image_size, min_score, max_gap
        joints = JOINT_COUNTS[layout]
        self.frames = first_frame  # the input frame index of the next push (a person who appears later starts later)
        self.first: int | None = None  # input index of the first pose
        self.long_gaps: list[tuple[int, int]] = []  # [start, end) input frames without a person
        self._last = np.full((joints, 2), np.nan)  # last used position of every joint
        self._detected = np.zeros(joints, bool)  # ever above min_score
        self._located = np.zeros(joints, bool)  # ever located at all
        self._empty_since: int | None = None

    def push(self, points: np.ndarray | None) -> StreamResult | None:
        """Add the next input frame; its pose, or None while some H36M-17 joint was never located."""
        t, self.frames = self.frames, self.frames + 1
        joints = len(self._last)
        detected = np.zeros(joints, bool)
        used = detected
        if points is not None:
            points = np.asarray(points, dtype=np.float64)
            if points.shape not in ((joints, 2), (joints, 3)):
                raise ValueError(f"frame {t}: expected ({joints}, 3) {self.layout} keypoints, got {points.shape}")
            located = np.isfinite(points[:, :2]).all(-1)
            detected = located & (points[:, 2] > self.min_score) if points.shape[1] == 3 else located
            self._detected |= detected
            self._located |= located
            used = detected | (located & ~self._detected)  # never detected: take the low-confidence estimate
            self._last[used] = points[used, :2]
        if self.first is not None:
            self._track_gap(t, bool(used.any()))
        h36m = to_h36m(np.concatenate([self._last, detected[:, None].astype(np.float64)], -1), self.layout)
        pixels = h36m[:, :2]
        if not np.isfinite(pixels).all():
            return None
        if self.first is None:
            self.first = t
        pose = self.lifter.push(normalize_screen_coordinates(pixels, *self.image_size).astype(np.float32))
        return StreamResult(t, pose, pixels.astype(np.float32), h36m[:, 2] < 1.0)

    def finish(self) -> None:
        """End of the stream: a run without a person up to the last frame counts as a gap too."""
        if self._empty_since is not None:
            self._close_gap(self.frames)

    @property
    def notes(self) -> list[str]:
        """Warnings for the user, worded as offline lifting's (``Prepared.notes``)."""
        rescued = np.flatnonzero(self._located & ~self._detected)
        if not len(rescued):
            return []
        joints = ", ".join(map(str, rescued))
        return [f"joints {joints} ({self.layout}) never reach confidence {self.min_score}: their low-confidence positions are used"]

    def _track_gap(self, t: int, person: bool) -> None:
        if not person and self._empty_since is None:
            self._empty_since = t
        elif person and self._empty_since is not None:
            self._close_gap(t)

    def _close_gap(self, end: int) -> None:
        start, self._empty_since = self._empty_since, None
        if start is not None and end - start > self.max_gap:
            self.long_gaps.append((start, end))


@dataclass
class StreamSource:
    """Input frames of a stream: (J, 3) pixel x, y, score or None per frame, and what they are."""

    frames: Generator[Any, None, None]  # (J, 3) or None per frame ({id: (J, 3)} for several people)
    layout: str
    image_size: tuple[int, int]
    fps: float
    release: Callable[[], None] | None = None  # closes the detector when no frame was ever asked for

    def close(self) -> None:
        """End the frames, which release the detector once started; ``release`` it when they never were."""
        unstarted = inspect.getgeneratorstate(self.frames) == inspect.GEN_CREATED
        self.frames.close()
        if unstarted and self.release is not None:
            self.release()


def keypoint_file_source(path: str, options: LiftOptions) -> StreamSource:
    """Stream the frames of a keypoint file (.npz, .json, .csv, .npy) as if they arrived live."""
    from liftformer.inference.sources.keypoints import read_keypoints
    from liftformer.inference.tracks.prepare import check_layout

    kp = read_keypoints(path, options.max_people)
    size = kp.image_size(options.width, options.height)
    layout = options.layout or kp.layout
    if layout is None:
        try:
            layout = guess_layout(kp.pixels)
        except ValueError as e:
            raise DataError(f"{path}: {e}") from None
    check_layout(np.where(kp.valid[..., None], kp.pixels, np.nan), layout, path, forced=options.layout is not None)
    scores = kp.scores if kp.scores is not None else np.ones(kp.pixels.shape[:2])
    points = np.concatenate([kp.pixels, scores[..., None]], -1)
    return StreamSource((p for p in points), layout, size, options.fps or kp.fps or 50.0)


def video_source(path: str, options: LiftOptions) -> StreamSource:
    """Detect the person in each frame of a video file or webcam ("0") while it plays (BlazePose's one person; with
    another ``options.detector``, one of everyone it finds, :func:`largest_source`)."""
    if options.detector != "blazepose":
        return largest_source(people_video_source(path, options))
    from liftformer.inference.sources.detector import MediaPipePoseDetector
    from liftformer.inference.sources.video import iter_frames, probe_video, report_short_decode

    info = probe_video(path)
    detector = MediaPipePoseDetector()

    def detections() -> Generator[np.ndarray | None, None, None]:
        decoded = 0
        with detector:  # closed when the stream ends, fails or is closed
            for frame in iter_frames(path):
                decoded += 1
                yield detector.detect(frame)
        report_short_decode(path, decoded, info.num_frames)  # a file's end (a webcam states no count)

    return StreamSource(detections(), detector.layout, (info.width, info.height), options.fps or info.fps, detector.close)


def largest_source(several: StreamSource) -> StreamSource:
    """One person of a source of several: the largest of the first frame anyone is in, followed by their id while
    they are found; when they are not, the largest of that frame, followed from then on (None where nobody is)."""
    from liftformer.inference.sources.multipose import box_area

    def frames() -> Generator[np.ndarray | None, None, None]:
        chosen = None
        try:
            for found in several.frames:
                if found and chosen not in found:
                    chosen = max(found, key=lambda i: box_area(found[i]))
                yield found[chosen] if found else None
        finally:
            several.close()

    return StreamSource(frames(), several.layout, several.image_size, several.fps, several.close)


def people_video_source(path: str, options: LiftOptions) -> StreamSource:
    """Detect everyone in each frame of a video file or webcam while it plays: per frame {id: (J, 3)} of the people
    found, ids the detector's own (each person it follows keeps one; 0 for the one person it follows before it has
    seen several; by order in the frame for a detector that gives none). Frames the detector did not smooth are
    smoothed per id as offline tracks are (:class:`~liftformer.inference.tracks.smoothing.StreamSmoother`)."""
    from liftformer.inference.sources.read import people_detector
    from liftformer.inference.sources.video import iter_frames, probe_video, report_short_decode
    from liftformer.inference.tracks.smoothing import StreamSmoother

    info = probe_video(path)
    detector = people_detector(options.detector)

    fps = options.fps or info.fps

    def detections() -> Generator[dict[int, np.ndarray], None, None]:
        decoded = 0
        smoothers: dict[int, StreamSmoother] = {}  # of the people of the frame before, when the detector does not smooth
        try:  # closed when the stream ends, fails or is closed
            for frame in iter_frames(path):
                decoded += 1
                people = detector.detect_people(frame)
                ids = getattr(detector, "identities", None)
                ids = range(len(people)) if ids is None or len(ids) != len(people) else ids
                found = {int(i): p for i, p in zip(ids, people)}
                if getattr(detector, "smoothed", True):
                    smoothers = {}
                else:  # smoothed here as offline tracking smooths each person (the filters are causal)
                    smoothers = {i: smoothers.get(i) or StreamSmoother(len(p), fps) for i, p in found.items()}
                    found = {i: smoothers[i](p) for i, p in found.items()}
                yield found
        finally:
            detector.close()
        report_short_decode(path, decoded, info.num_frames)

    return StreamSource(detections(), detector.layout, (info.width, info.height), fps, detector.close)
