"""VideoPose3D's npz files: read and validated with one-line errors, written atomically.

- ``data_3d_<ds>.npz``: ``positions_3d[subject][action]`` → (T, J, 3) float, metres.
- ``data_2d_<ds>_<source>.npz``: ``positions_2d[subject][action]`` → list (one per camera) of
  (T, J, 2) pixels, plus ``metadata`` {``num_joints``, ``keypoints_symmetry``, optional
  ``layout_name``, optional ``video_metadata`` {subject: {``w``, ``h``}}}.

The files hold pickled Python dicts (that is the format). They are read by
:mod:`liftformer.data.safe_npz`, whose unpickler builds only dicts, lists, tuples, strings,
numbers and numpy arrays: a crafted file (or a raw pickle renamed ``.npz``) gets a one-line
``DataError`` and never runs code.
"""

from __future__ import annotations

import math
import os
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from liftformer.data.safe_npz import read_npz
from liftformer.errors import DataError, plural
from liftformer.fileio import atomic_write

MAX_IMAGE_SIZE = 100_000  # pixels: a larger image width or height is not a camera's (1e300 made an inf focal length)
Positions3D = dict[str, dict[str, np.ndarray]]
Positions2D = dict[str, dict[str, list[np.ndarray]]]


def load_item(path: str | os.PathLike, key: str) -> Any:
    """``np.load(path)[key].item()``, read safely, with a one-line error for a missing file, key or bad archive."""
    path = str(path)
    if not Path(path).is_file():
        raise DataError(f"{path}: no such file")
    value = read_npz(path, key)
    return value.item() if value.dtype == object and value.shape == () else value


def check_poses(array: Any, path: str, where: str, dims: int, num_joints: int | None = None) -> np.ndarray:
    """A finite float32 (T, J, dims) array, or a :class:`DataError` naming file and sequence."""
    if isinstance(array, np.ndarray) and array.dtype.kind not in "biufO":
        raise DataError(f"{path}: {where}: not a real-valued numeric array (dtype {array.dtype})")
    try:
        with np.errstate(over="ignore"):  # values beyond float32 become inf, reported below
            array = np.asarray(array, dtype=np.float32)
    except (TypeError, ValueError, OverflowError) as e:
        raise DataError(f"{path}: {where}: not a numeric array ({e})") from None
    if array.ndim != 3 or array.shape[-1] != dims:
        raise DataError(f"{path}: {where}: expected (frames, joints, {dims}), got {array.shape}")
    if num_joints is not None and array.shape[1] != num_joints:
        raise DataError(f"{path}: {where}: {array.shape[1]} joints, expected {num_joints}")
    if len(array) == 0:
        raise DataError(f"{path}: {where}: empty sequence")
    bad = ~np.isfinite(array)
    if bad.any():
        frame = int(np.argwhere(bad)[0][0])
        raise DataError(f"{path}: {where}: {int(bad.sum())} NaN or infinite values (first at frame {frame})")
    return array


def positive(value: Any, path: str, what: str, kind: type = int) -> Any:
    """``value`` as a positive finite ``kind`` (int or float), or a one-line DataError."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0 or (kind is int and not number.is_integer()):
        raise DataError(f"{path}: {what} must be a positive {'integer' if kind is int else 'number'}, got {value!r:.40}")
    return kind(number)


def image_dimension(value: Any, path: str, what: str) -> int:
    """``value`` as an image width or height (``what``) in pixels, 1 to :data:`MAX_IMAGE_SIZE`, or a one-line DataError."""
    pixels = positive(value, path, what)
    if pixels > MAX_IMAGE_SIZE:
        raise DataError(f"{path}: {what} {value!r:.40} is not an image size: expected 1 to {MAX_IMAGE_SIZE:,} pixels; fix the file")
    return pixels


def is_name(value: Any) -> bool:
    """A string that prints on one line (no control characters or line breaks)."""
    return isinstance(value, str) and not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value)


def check_nested(data: Any, path: str, key: str) -> dict:
    """``data`` if it is a dict of subject → {action → data} named by one-line strings, else a DataError."""
    if not isinstance(data, dict) or not all(
        is_name(subject) and isinstance(actions, dict) and all(is_name(a) for a in actions)
        for subject, actions in data.items()
    ):
        raise DataError(f"{path}: '{key}' must be a dict of subject → {{action → data}} named by one-line strings")
    return data


def load_positions_3d(path: str | os.PathLike, num_joints: tuple[int, ...] | None = None) -> Positions3D:
    """``positions_3d[subject][action]`` as validated float32 (T, J, 3) arrays.

    ``num_joints``: the joint counts accepted (e.g. (17, 32) for Human3.6M).
    """
    path = str(path)
    data = check_nested(load_item(path, "positions_3d"), path, "positions_3d")
    out: Positions3D = {}
    for subject, actions in data.items():
        out[subject] = {}
        for action, positions in actions.items():
            arr = check_poses(positions, path, f"{subject}/{action}", 3)
            if num_joints is not None and arr.shape[1] not in num_joints:
                accepted = " or ".join(map(str, num_joints))
                raise DataError(f"{path}: {subject}/{action}: {arr.shape[1]} joints, expected {accepted}")
            out[subject][action] = arr
    return out


def load_positions_2d(path: str | os.PathLike) -> tuple[Positions2D, dict[str, Any]]:
    """``positions_2d[subject][action]`` (list of per-camera (T, J, 2) pixels) and ``metadata``.

    Every array must have ``metadata['num_joints']`` joints and finite values.
    """
    path = str(path)
    metadata = load_positions_2d_metadata(path)
    data = check_nested(load_item(path, "positions_2d"), path, "positions_2d")
    out: Positions2D = {}
    for subject, actions in data.items():
        out[subject] = {}
        for action, views in actions.items():
            out[subject][action] = [
                check_poses(v, path, f"{subject}/{action} camera {i}", 2, int(metadata["num_joints"]))
                for i, v in enumerate(camera_views(views, path, f"{subject}/{action}"))
            ]
    return out, metadata


def camera_views(value: Any, path: str = "", where: str = "") -> list:
    """The per-camera list of a sequence; a single (T, J, C) array stored bare is one camera."""
    if isinstance(value, np.ndarray) and value.dtype != object and value.ndim == 3:
        return [value]
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        return list(value)
    raise DataError(f"{path}: {where}: expected a list of per-camera arrays, got {type(value).__name__}")


def trim_to_3d(keypoints: np.ndarray, num_frames: int, path: str, where: str) -> np.ndarray:
    """2D cut to the 3D length (detections may run longer); fewer 2D frames is a DataError."""
    if len(keypoints) < num_frames:
        raise DataError(f"{path}: {where}: {plural(len(keypoints), '2D frame')}, fewer than the {plural(num_frames, '3D frame')}")
    return keypoints[:num_frames]


def load_positions_2d_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``metadata`` dict of a 2D file; ``num_joints`` and ``keypoints_symmetry`` required."""
    path = str(path)
    metadata = load_item(path, "metadata")
    if not isinstance(metadata, dict):
        raise DataError(f"{path}: 'metadata' must be a dict, got {type(metadata).__name__}")
    for key in ("num_joints", "keypoints_symmetry"):
        if key not in metadata:
            raise DataError(f"{path}: metadata lacks '{key}'")
    positive(metadata["num_joints"], path, "metadata num_joints")
    return metadata


def save_positions_2d(path: str | os.PathLike, positions: Positions2D, metadata: dict[str, Any]) -> None:
    """Write a VideoPose3D 2D file atomically (a crash never leaves a partial file)."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, positions_2d=np.array(positions, dtype=object), metadata=np.array(metadata, dtype=object))

    atomic_write(path, write)
