"""A ``.trc`` read back (the package's own, or any with Human3.6M-17's markers), and the body measured from it.

Each segment of the model is placed by its markers: the pelvis by the mid-hip and the two hips, the torso by the
spine, the neck (thorax) and the shoulders, the head by the nose and the head top; each limb by its joint centres.
A segment's frame follows OpenSim's convention (X forward, Y up, Z right), built from its markers each frame; a
marker's place on its segment is the median, over the clip, of where it lies in that frame. Bone lengths are the
medians of the distances between joint centres.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from liftformer.errors import DataError
from liftformer.inference.writers.trc import MARKERS

INDEX = {name: i for i, name in enumerate(MARKERS)}
MIN_STATURE = 0.5  # metres, the shortest body the model is scaled to
BONES = {"thigh": ("RHip", "RKnee", "LHip", "LKnee"), "shank": ("RKnee", "RAnkle", "LKnee", "LAnkle"),
         "upper_arm": ("RShoulder", "RElbow", "LShoulder", "LElbow"), "forearm": ("RElbow", "RWrist", "LElbow", "LWrist")}


@dataclass(frozen=True)
class Trc:
    """A marker file: times (T,), markers (T, M, 3) in metres, their names, the rate."""

    times: np.ndarray
    markers: np.ndarray
    names: tuple[str, ...]
    rate: float
    path: str

    def marker(self, name: str) -> np.ndarray:
        return self.markers[:, self.names.index(name)]


def read_trc(path: str | os.PathLike) -> Trc:
    """A ``.trc`` file's markers, in metres (millimetres converted); one-line DataError for a file that is not one,
    lacks a Human3.6M-17 marker, or holds a marker that is not finite."""
    where = str(path)
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
        rate, stated, units = float(lines[2].split("\t")[0]), int(lines[2].split("\t")[2]), lines[2].split("\t")[4].strip()
        names = tuple(n for n in lines[3].split("\t")[2:] if n.strip())
        rows = [line.split("\t") for line in lines[5:] if line.strip()]
        data = np.array([[float(v) for v in row[: 2 + 3 * len(names)]] for row in rows], dtype=np.float64)
    except OSError as e:
        raise DataError(f"{where}: cannot read ({e.strerror or type(e).__name__})") from None
    except (IndexError, ValueError) as e:
        what = "its header is not a .trc's (5 lines: PathFileType, the rates' names, their values, the markers, X1 Y1 Z1…)" \
            if isinstance(e, IndexError) else "a value that is not a number"
        raise DataError(f"{where}: not a marker file OpenSim reads: {what}; write one with liftformer lift --trc") from None
    if data.ndim != 2 or data.shape[1] != 2 + 3 * len(names) or len(data) < 2:
        raise DataError(f"{where}: a .trc needs at least 2 frames of {len(names)} markers × 3 values")
    if stated != len(data):
        raise DataError(f"{where}: its header says NumFrames {stated} but it holds {len(data)} frames (cut short or edited?): "
                        "write it again with liftformer lift --trc")
    missing = [m for m in MARKERS if m not in names]
    if missing:
        raise DataError(f"{where}: no marker {', '.join(missing)}: the model's markers are Human3.6M-17's ({', '.join(MARKERS)})")
    markers = data[:, 2:].reshape(len(data), len(names), 3) * {"mm": 1e-3, "m": 1.0}.get(units, 1.0)
    if not np.isfinite(markers).all():
        bad = sorted({names[j] for j in np.argwhere(~np.isfinite(markers).all(-1))[:, 1]})
        raise DataError(f"{where}: marker {', '.join(bad)} is not finite in some frames: fill or drop those frames")
    if not np.isfinite(rate) or rate <= 0:
        raise DataError(f"{where}: DataRate {rate} is not a positive rate")
    return Trc(data[:, 1], markers, names, rate, where)


def standing_height(trc: Trc) -> float:
    """The person's standing height in metres, as ``lift --person-height`` reads it
    (:func:`~liftformer.inference.lifting.trajectory.stature` of the markers)."""
    from liftformer.inference.lifting.trajectory import stature

    with np.errstate(invalid="ignore", divide="ignore"):
        return stature(np.stack([trc.marker(name) for name in MARKERS], 1))


def scaled_to(trc: Trc, height: float) -> tuple[Trc, float]:
    """``trc`` with every marker scaled about its origin (the floor under the first root: the floor stays at y = 0) so
    that the person's :func:`standing_height` is ``height`` metres; and the height measured before."""
    measured = standing_height(trc)
    if not measured > 0:
        raise DataError(f"{trc.path}: the person's height cannot be measured from its markers (do they coincide?)")
    return replace(trc, markers=trc.markers * (height / measured)), measured


def segment_frame(right: np.ndarray, left: np.ndarray, bottom: np.ndarray, top: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations whose columns are a segment's X forward, Y up, Z right axes in the marker file's frame."""
    z = right - left
    z = z / np.linalg.norm(z, axis=-1, keepdims=True)
    up = top - bottom
    y = up - np.sum(up * z, -1, keepdims=True) * z
    y = y / np.linalg.norm(y, axis=-1, keepdims=True)
    return np.stack([np.cross(y, z), y, z], -1)


def local(points: np.ndarray, origin: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """(3,) the median over frames of (T, 3) ``points`` in the segment ``frame`` (T, 3, 3) at ``origin`` (T, 3)."""
    return np.median(np.einsum("tij,ti->tj", frame, points - origin), axis=0)


@dataclass(frozen=True)
class Body:
    """A person measured from their markers: each segment's markers in its frame (metres) and the limbs' lengths."""

    pelvis: dict[str, np.ndarray]  # Hip, RHip, LHip in the pelvis frame (origin: Hip)
    torso: dict[str, np.ndarray]  # Spine, Neck, RShoulder, LShoulder in the torso frame (origin: Hip)
    head: dict[str, np.ndarray]  # Nose, Head in the torso frame, from the Neck
    lengths: dict[str, float]  # thigh, shank, upper_arm, forearm (both sides' median)
    stature: float


def measure(trc: Trc) -> Body:
    """The :class:`Body` of the person in ``trc``; one-line DataError when it is too small to scale a model to."""
    m = trc.marker
    for right, left in (("RHip", "LHip"), ("RShoulder", "LShoulder"), ("Hip", "Spine"), ("Hip", "Neck")):
        if (np.linalg.norm(m(right) - m(left), axis=-1) < 1e-6).any():
            raise DataError(f"{trc.path}: markers {right} and {left} coincide in some frames: not a body OpenSim can fit "
                            "(write the markers with liftformer lift --trc)")
    pelvis = segment_frame(m("RHip"), m("LHip"), m("Hip"), m("Spine"))
    torso = segment_frame(m("RShoulder"), m("LShoulder"), m("Hip"), m("Neck"))
    lengths = {bone: float(np.median(np.concatenate([np.linalg.norm(m(b) - m(a), axis=-1) for a, b in zip(ends[::2], ends[1::2])])))
               for bone, ends in BONES.items()}
    hips = {n: local(m(n), m("Hip"), pelvis) for n in ("Hip", "RHip", "LHip")}
    body = Body(hips, {n: local(m(n), m("Hip"), torso) for n in ("Spine", "Neck", "RShoulder", "LShoulder")},
                {n: local(m(n), m("Neck"), torso) for n in ("Nose", "Head")}, lengths, 0.0)
    stature = float(body.torso["Neck"][1] + body.head["Head"][1] + lengths["thigh"] + lengths["shank"] - hips["RHip"][1])
    if not stature >= MIN_STATURE or min(lengths.values()) < 0.02:
        raise DataError(f"{trc.path}: the person measures {stature:.2f} m (thigh {lengths['thigh']:.3f} m): too small to scale "
                        f"a model to (at least {MIN_STATURE} m); are the markers in metres?")
    return Body(body.pelvis, body.torso, body.head, lengths, stature)
