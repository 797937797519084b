"""A user's 2D keypoints read from npz/JSON/CSV/npy: :class:`Keypoints2D` (one person per frame) and
:class:`PeopleKeypoints` (several people per frame: a JSON file that lists several, a video's detections).

As :class:`Keypoints2D` a file is one person per frame (the highest-scoring one when a JSON frame lists
several). Cleaning them for a model is the next stage's (:mod:`liftformer.inference.tracks.prepare`).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from liftformer.data.formats import camera_views, check_nested, image_dimension, load_item, load_positions_2d_metadata, positive
from liftformer.data.layouts import JOINT_COUNTS
from liftformer.data.safe_npz import read_npy, reason
from liftformer.errors import DataError
from liftformer.inference.sources.video import VIDEO_SUFFIXES, is_webcam

KEYPOINT_SUFFIXES = (".npz", ".json", ".csv", ".npy")
MAX_COORDINATE = 1e6  # pixels: beyond, keypoints are not pixel positions (1e30 lifts to NaN, 1e308 overflows sums)


@dataclass
class Keypoints2D:
    """Pixel keypoints of one person: ``pixels`` (T, J, 2) with NaN where missing, ``scores`` (T, J)."""

    pixels: np.ndarray
    scores: np.ndarray | None
    layout: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    source: str = ""
    frames: np.ndarray | None = None  # (T,) input frame index of each row; None: 0, 1, 2, …

    def image_size(self, width: int | None = None, height: int | None = None) -> tuple[int, int]:
        """(width, height): the given ones, else the file's or video's, else a one-line DataError."""
        width, height, where = width or self.width, height or self.height, self.source or "keypoints"
        if not width or not height:
            raise DataError(f"{where}: image size unknown: pass --width and --height (pixels)")
        return image_dimension(width, where, "image width"), image_dimension(height, where, "image height")

    @property
    def valid(self) -> np.ndarray:
        ok = np.isfinite(self.pixels).all(-1)
        return ok if self.scores is None else ok & (self.scores > 0)


@dataclass
class PeopleKeypoints(Keypoints2D):
    """Several people per frame before tracking: ``people[t]`` is frame t's (P_t, J, 3) x, y, score. As
    :class:`Keypoints2D` it is one person a frame (a video's largest, a JSON file's best-scoring; NaN, score 0
    where nobody is). ``unsmoothed`` (T,) bool marks the frames whose detector did not smooth keypoints over time
    (MediaPipe's followers of several people); :func:`~liftformer.inference.tracks.tracking.select_people` smooths
    the chosen people there. ``identities[t]`` (P_t,) int, when a detector followed people itself: one id per person
    it followed (-1: not followed), which tracking keeps together."""

    people: list[np.ndarray] = field(default_factory=list)
    unsmoothed: np.ndarray | None = None
    identities: list[np.ndarray] | None = None


def read_keypoints(path: str, max_people: int | None = None) -> Keypoints2D:
    """Read a keypoint file by its suffix (.npz VideoPose3D custom, .json COCO-style, .csv, .npy); a JSON frame listing
    more than ``max_people`` persons (``lift --max-people``; None: no limit) is a one-line DataError."""
    p = Path(path)
    check_input(path)
    readers = {".npz": _read_npz, ".json": lambda path: _read_json(path, max_people), ".csv": _read_csv, ".npy": _read_npy}
    reader = readers.get(p.suffix.lower())
    if reader is None:
        raise DataError(f"{path}: unknown keypoint file type (use {', '.join(KEYPOINT_SUFFIXES)} or a video)")
    try:
        kp = reader(path)
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 — any parse failure is a bad file
        raise DataError(f"{path}: cannot read keypoints ({reason(e)})") from None
    kp.source = path
    return _checked(kp, path)


def _checked(kp: Keypoints2D, path: str) -> Keypoints2D:
    """``kp`` after the checks every reader's result passes: shape, layout name, positive size and rate."""
    if kp.pixels.ndim != 3 or kp.pixels.shape[-1] != 2 or len(kp.pixels) == 0:
        raise DataError(f"{path}: expected keypoints (frames, joints, 2), got {kp.pixels.shape}")
    check_coordinates(kp.pixels, path)
    for frame in getattr(kp, "people", []):
        check_coordinates(frame[..., :2], path)
    if kp.layout is not None and not isinstance(kp.layout, str):
        raise DataError(f"{path}: layout must be a name such as 'coco', got {kp.layout!r:.40}")
    kp.width = None if kp.width is None else image_dimension(kp.width, path, "width")
    kp.height = None if kp.height is None else image_dimension(kp.height, path, "height")
    kp.fps = None if kp.fps is None else positive(kp.fps, path, "fps", float)
    check_spread(kp, path)
    return kp


def check_input(path: str) -> None:
    """One-line DataError unless ``path`` is a file: what it is instead (a folder, a camera index given without
    ``--stream``, nothing) and what to give."""
    p = Path(path)
    if p.is_file():
        return
    if p.is_dir():
        raise DataError(f"{path}: is a folder: give a video ({' '.join(VIDEO_SUFFIXES)}) or a keypoint file "
                        f"({' '.join(KEYPOINT_SUFFIXES)}) in it")
    if is_webcam(path):
        raise DataError(f"{path}: no such file; to read camera {path.strip()}, add --stream (a webcam is streamed)")
    raise DataError(f"{path}: no such file" if not p.exists() else f"{path}: not a regular file")


def check_spread(kp: Keypoints2D, path: str) -> None:
    """One-line DataError when no frame (of anyone) has located keypoints at two distinct points: every joint on one
    pixel is no body, and would be lifted as some pose all the same."""
    people = [p.reshape(-1, *p.shape[-2:]) for p in getattr(kp, "people", []) if p.size]
    points = np.concatenate(people) if people else np.concatenate([kp.pixels, kp.valid[..., None]], -1)
    located = np.isfinite(points[..., :2]).all(-1) & (points[..., 2] > 0)
    seen = located.any(-1)
    if not seen.any():
        return  # nobody located: said where people are chosen
    xy, located = points[seen][..., :2], located[seen][..., None]
    spread = np.where(located, xy, -np.inf).max(-2) - np.where(located, xy, np.inf).min(-2)
    if not spread.max() > 0:
        raise DataError(f"{path}: in every frame the located keypoints lie on one point (no extent): not a body; fix the file")


def check_coordinates(pixels: np.ndarray, where: str) -> None:
    """One-line DataError when a located x or y of (..., 2) ``pixels`` lies beyond ±``MAX_COORDINATE``: such
    keypoints would overflow (numpy warnings, then an error) or lift to NaN or garbage."""
    located = np.abs(pixels[np.isfinite(pixels)])
    if located.size and located.max() > MAX_COORDINATE:
        raise DataError(f"{where}: a keypoint coordinate is {located.max():.3g}: too large for a pixel position "
                        f"(at most {MAX_COORDINATE:,.0f}); fix the file")


def _split_scores(arr: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(T, J, 2) pixels and (T, J) scores (None without) of a (T, J, 2|3) array; ``where`` names it in errors."""
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise DataError(f"{where}: expected real numbers (x, y[, score]), got {getattr(arr, 'dtype', type(arr).__name__)}")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 3 and arr.shape[-1] == 3:
        return arr[..., :2], arr[..., 2]
    return arr, None


def _read_npy(path: str) -> Keypoints2D:
    pixels, scores = _split_scores(read_npy(path), path)
    return Keypoints2D(pixels, scores)


def _read_npz(path: str) -> Keypoints2D:
    """VideoPose3D custom 2D: the first video's first camera, with its size and layout."""
    metadata = load_positions_2d_metadata(path)
    positions = check_nested(load_item(path, "positions_2d"), path, "positions_2d")
    if not positions:
        raise DataError(f"{path}: 'positions_2d' holds no video (expected {{video: {{'custom': [keypoints per camera]}}}})")
    video = next(iter(positions))
    if not positions[video]:
        raise DataError(f"{path}: 'positions_2d' video {video!r} holds no sequence (expected {{'custom': [keypoints per camera]}})")
    action = next(iter(positions[video]))
    views = camera_views(positions[video][action], path, f"{video}/{action}")
    if not views:
        raise DataError(f"{path}: 'positions_2d' {video}/{action} holds no camera's keypoints")
    pixels, scores = _split_scores(views[0], f"{path}: 'positions_2d' {video}/{action} camera 0")
    size = (metadata.get("video_metadata") or {}).get(video, {})
    layout = str(metadata.get("layout_name", "")).lower() or None
    return Keypoints2D(pixels, scores, layout if layout in JOINT_COUNTS else None, size.get("w"), size.get("h"))


def read_json_people(path: str, max_people: int | None = None) -> tuple[list[np.ndarray], dict]:
    """Every person of every frame of a COCO-style JSON file: per frame a (P, J, 3) array of x, y,
    score (P = 0 without anyone), sorted by score, best first; and the document's metadata. A frame
    listing more than ``max_people`` persons (None: no limit) is a one-line DataError."""
    with open(path) as f:
        doc = json.load(f)
    meta = {}
    if isinstance(doc, dict):
        meta, doc = doc, doc.get("frames")
    if not isinstance(doc, list) or not doc:
        raise DataError(f"{path}: expected a non-empty list of frames (or {{'frames': [...]}})")
    frames: list[np.ndarray] = []
    for entry in doc:
        persons = entry if isinstance(entry, list) else [entry] if entry else []
        persons = [p for p in persons if p and p.get("keypoints")]
        if max_people is not None and len(persons) > max_people:
            raise DataError(f"{path}: frame {len(frames)} lists {len(persons)} persons, more than --max-people {max_people}: "
                            "fix the file or raise --max-people")
        ranked = sorted(((p, _triples(p["keypoints"], path, len(frames))) for p in persons),
                        key=lambda pair: -pair[0].get("score", pair[1][:, 2].mean()))
        points = [kp for _, kp in ranked]
        if len({len(p) for p in points}) > 1:
            raise DataError(f"{path}: frame {len(frames)} has persons with different keypoint counts")
        frames.append(np.stack(points) if points else np.zeros((0, 0, 3)))
    return frames, meta


def _triples(values: object, path: str, frame: int) -> np.ndarray:
    """A person's flat ``keypoints`` list [x, y, score, …] as (J, 3), or a one-line DataError naming the frame."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(flat) % 3 or not len(flat):
        raise DataError(f"{path}: frame {frame}: a person's 'keypoints' holds {len(flat)} values, not x, y, score triples "
                        "(COCO-style: [x0, y0, s0, x1, y1, s1, …])")
    return flat.reshape(-1, 3)


def _read_json(path: str, max_people: int | None = None) -> Keypoints2D:
    """A list with one entry per frame: a person {"keypoints": [x, y, s, ...]}, a list of persons, or null.
    Also accepted: {"frames": [...], "width": W, "height": H, "fps": F}. As :class:`Keypoints2D` each frame's
    best-scoring person; when some frame lists several, a :class:`PeopleKeypoints` with everyone."""
    people, meta = read_json_people(path, max_people)
    several = max(len(p) for p in people) > 1
    if several and len({p.shape[1] for p in people if len(p)}) > 1:
        raise DataError(f"{path}: frames have different keypoint counts")
    frames = [p[0] if len(p) else None for p in people]
    present = [f for f in frames if f is not None]
    if not present:
        raise DataError(f"{path}: no person in any frame")
    joints = present[0].shape[0]
    arr = np.full((len(frames), joints, 3), np.nan)
    arr[..., 2] = 0.0
    for t, f in enumerate(frames):
        if f is not None:
            if f.shape[0] != joints:
                raise DataError(f"{path}: frame {t} has {f.shape[0]} keypoints, frame 0 has {joints}")
            arr[t] = f
    info = (meta.get("layout"), meta.get("width"), meta.get("height"), meta.get("fps"))
    if several:
        return PeopleKeypoints(arr[..., :2], arr[..., 2], *info, people=[p.reshape(-1, joints, 3) for p in people])
    return Keypoints2D(arr[..., :2], arr[..., 2], *info)


def _read_csv(path: str) -> Keypoints2D:
    """One row per frame: x0,y0[,s0],x1,y1[,s1],…; an optional header and leading frame column."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    if rows and any(c.strip() and not _is_number(c) for c in rows[0]):
        header, rows = [c.strip().lower() for c in rows[0]], rows[1:]
    else:
        header = None
    if not rows:
        raise DataError(f"{path}: no data rows")
    values = np.array([[float(c) if c.strip() else np.nan for c in r] for r in rows])
    if header and header[0] in ("frame", "t", "index", "idx"):
        values = values[:, 1:]
    cols, counts = values.shape[1], set(JOINT_COUNTS.values())
    if cols % 3 == 0 and cols // 3 in counts:  # unambiguous: no supported count fits both
        arr = values.reshape(len(values), -1, 3)
        return Keypoints2D(arr[..., :2], arr[..., 2])
    if cols % 2 == 0 and cols // 2 in counts:
        return Keypoints2D(values.reshape(len(values), -1, 2), None)
    raise DataError(f"{path}: {cols} values per row fit no layout as x,y pairs or x,y,score triples")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
