"""Joint and segment angles of lifted people, per frame, in degrees, from Human3.6M-17 poses in an upright world frame.

The world frame is the clip's floor-fitted one (:mod:`~liftformer.inference.lifting.ground`: x right as the camera
sees it, y up, z back at the camera). Two body frames are built each frame: the pelvis's (its right axis from the
left hip to the right, its up axis the pelvis-to-thorax line made perpendicular to it, forward = up × right) and
the trunk's (the same from the shoulders). Conventions (:data:`ANGLES` lists the columns):

- **Zero at upright standing, arms hanging**, for every joint angle; degrees.
- ``knee_flexion``, ``elbow_flexion``: the angle between the two segments (hip-knee and knee-ankle; shoulder-elbow
  and elbow-wrist); 0 straight, positive bent (never negative: three points give no hyperextension sign).
- ``hip_flexion`` / ``hip_abduction``: the thigh (hip → knee) in the pelvis frame, whose up axis is the pelvis-to-
  thorax line (Human3.6M-17 has no markers that tilt the pelvis alone, so the hip is measured against the trunk,
  as Sports2D's trunk-thigh hip is): flexion, its angle from straight
  down projected on the sagittal plane (positive: knee forward; 90 horizontal, over 90 higher); abduction, its
  angle out of the sagittal plane (positive: away from the midline; within ±90). Flexion then abduction, as a
  sequence of two rotations: a thigh raised forward and out reads both. Flexion is undefined (NaN) for a limb
  within ``SIDEWAYS`` degrees of straight out to the side.
- ``hip_rotation``: about the thigh, the knee's flexion axis (thigh × shank) against the pelvis's left axis;
  positive internal (the knee's front turned toward the midline). Undefined (NaN) while the knee is straighter than
  ``MIN_KNEE_FLEXION``: a straight leg has no flexion axis, so its rotation cannot be seen from three joints.
- ``shoulder_flexion`` / ``shoulder_abduction``: the upper arm (shoulder → elbow) in the trunk frame, as the hip's
  (an arm straight overhead reads flexion 180, abduction 0, whichever way it went up: three joints cannot tell).
- ``trunk_flexion`` / ``trunk_lateral_lean``: the pelvis-to-thorax line against the world's vertical, in the
  pelvis heading's sagittal plane (positive: leaning forward) and frontal plane (positive: leaning to the right).
- ``pelvis_rotation`` / ``shoulder_rotation``: the heading of the pelvis's / trunk's forward axis about the
  vertical; 0 facing the camera, positive turned to the person's left (anticlockwise seen from above); unwrapped.
- Segment angles (Sports2D's segments: ``thigh`` knee − hip, ``shank`` ankle − knee, ``trunk`` thorax − pelvis,
  ``arm`` elbow − shoulder, ``forearm`` wrist − elbow): the segment in the pelvis heading's sagittal plane, against
  the forward horizontal, anticlockwise seen from the person's right (forward to the right, up up): a limb hanging
  down reads −90, the upright trunk +90; unwrapped (so they may pass ±180 over a whole turn); undefined (NaN) for a
  segment more than ``OUT_OF_PLANE`` degrees out of the sagittal plane (nearer the mediolateral axis than the plane:
  an arm raised sideways, whose short projection would turn wildly).

Human3.6M-17 has no toes, heels or fingers: ankle and wrist angles cannot be measured from it, and are not given.
Each side's columns end in ``_right`` / ``_left``.
"""

from __future__ import annotations

import numpy as np

PELVIS, SPINE, THORAX = 0, 7, 8
SIDES = {"right": {"hip": 1, "knee": 2, "ankle": 3, "shoulder": 14, "elbow": 15, "wrist": 16},
         "left": {"hip": 4, "knee": 5, "ankle": 6, "shoulder": 11, "elbow": 12, "wrist": 13}}
MIN_KNEE_FLEXION = 20.0  # degrees: below, a leg is too straight for its rotation to be seen
SIDEWAYS = 10.0  # degrees: a limb this near the mediolateral axis has no flexion (its sagittal projection vanishes)
OUT_OF_PLANE = 45.0  # degrees: a segment further out of the sagittal plane (nearer its normal than the plane) has no segment angle
PER_SIDE = ("knee_flexion", "hip_flexion", "hip_abduction", "hip_rotation", "elbow_flexion", "shoulder_flexion",
            "shoulder_abduction", "thigh", "shank", "arm", "forearm")
WHOLE = ("trunk_flexion", "trunk_lateral_lean", "pelvis_rotation", "shoulder_rotation", "trunk")
ANGLES = tuple(f"{name}_{side}" for name in PER_SIDE for side in SIDES) + WHOLE
UNWRAPPED = ("hip_rotation", "pelvis_rotation", "shoulder_rotation", "thigh", "shank", "arm", "forearm", "trunk")
UP = np.array([0.0, 1.0, 0.0])


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def _degrees(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(y, x))


def _between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T,) the angle between vectors a and b, degrees in [0, 180]."""
    return _degrees(np.linalg.norm(np.cross(a, b), axis=-1), _dot(a, b))


def body_frame(right_point: np.ndarray, left_point: np.ndarray, bottom: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, ...]:
    """(right, up, forward) unit axes (T, 3) of a body part: right from the left point to the right one, up the
    bottom-to-top line made perpendicular to it, forward = up × right."""
    right = _unit(right_point - left_point)
    along = top - bottom
    up = _unit(along - _dot(along, right)[..., None] * right)
    return right, up, np.cross(up, right)


def _flexion(v: np.ndarray, forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(T,) the angle of ``v`` from straight down (``-up``) toward ``forward``, on the sagittal plane; NaN where ``v`` lies
    within ``SIDEWAYS`` degrees of the mediolateral axis (its projection there has no direction)."""
    ahead, down = _dot(v, forward), -_dot(v, up)
    return np.where(_on_plane(v, ahead, down), _degrees(ahead, down), np.nan)


def _on_plane(v: np.ndarray, a: np.ndarray, b: np.ndarray, within: float = 90.0 - SIDEWAYS) -> np.ndarray:
    """(T,) whether ``v`` lies ``within`` degrees of a plane (``a`` and ``b``: its components on the plane's axes)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.hypot(a, b) / np.linalg.norm(v, axis=-1) > np.cos(np.radians(within))


def _in_plane(v: np.ndarray, forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(T,) a segment's angle on the sagittal plane from ``forward`` toward ``up`` (Sports2D's segment angle); NaN where
    it lies more than ``OUT_OF_PLANE`` degrees out of that plane (its projection there is short, and turns wildly)."""
    ahead, above = _dot(v, forward), _dot(v, up)
    return np.where(_on_plane(v, ahead, above, OUT_OF_PLANE), _degrees(above, ahead), np.nan)


def _elevation(v: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """(T,) the angle of vectors ``v`` out of the plane whose unit ``normal`` is given, toward it; degrees in [-90, 90]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arcsin(np.clip(_dot(v, normal) / np.linalg.norm(v, axis=-1), -1, 1)))


def _signed(a: np.ndarray, b: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """(T,) the angle from a to b about ``axis`` (all (T, 3); a and b taken in the plane perpendicular to it)."""
    a = a - _dot(a, axis)[..., None] * axis
    b = b - _dot(b, axis)[..., None] * axis
    return _degrees(_dot(np.cross(a, b), axis), _dot(a, b))


def unwrap(degrees: np.ndarray) -> np.ndarray:
    """``degrees`` (T,) made continuous over time (no 360° jumps) across their finite values; NaN stays NaN."""
    out = np.array(degrees, dtype=np.float64)
    finite = np.isfinite(out)
    out[finite] = np.degrees(np.unwrap(np.radians(out[finite])))
    return out


def unwrap_after(angles: dict[str, float | None], before: dict[str, float]) -> dict[str, float | None]:
    """One frame's ``angles`` with those unwrapped over time (:data:`UNWRAPPED`) moved by whole turns to lie within
    180° of ``before``'s (the frame before's, e.g. a stream's line before); the others, and any without one, as given."""
    out = dict(angles)
    for name, value in angles.items():
        then = before.get(name)
        if value is not None and then is not None and name.removesuffix("_right").removesuffix("_left") in UNWRAPPED:
            out[name] = round(then + (value - then + 180.0) % 360.0 - 180.0, 2)
    return out


def body_angles(world: np.ndarray) -> dict[str, np.ndarray]:
    """Every angle of :data:`ANGLES` (T,) for (T, 17, 3) Human3.6M-17 poses in an upright world frame (y up),
    degrees (module docstring for the conventions); NaN where undefined."""
    p = np.asarray(world, dtype=np.float64)
    pelvis_r, pelvis_u, pelvis_f = body_frame(p[:, 1], p[:, 4], p[:, PELVIS], p[:, THORAX])
    trunk_r, trunk_u, trunk_f = body_frame(p[:, 14], p[:, 11], p[:, PELVIS], p[:, THORAX])
    heading = _unit(pelvis_f - _dot(pelvis_f, UP)[..., None] * UP)  # the pelvis's forward, horizontal
    heading_right = np.cross(heading, UP)
    out: dict[str, np.ndarray] = {}
    for side, j in SIDES.items():
        outward = pelvis_r if side == "right" else -pelvis_r
        thigh, shank = p[:, j["knee"]] - p[:, j["hip"]], p[:, j["ankle"]] - p[:, j["knee"]]
        arm, forearm = p[:, j["elbow"]] - p[:, j["shoulder"]], p[:, j["wrist"]] - p[:, j["elbow"]]
        knee = _between(thigh, shank)
        out[f"knee_flexion_{side}"] = knee
        out[f"elbow_flexion_{side}"] = _between(arm, forearm)
        out[f"hip_flexion_{side}"] = _flexion(thigh, pelvis_f, pelvis_u)
        out[f"hip_abduction_{side}"] = _elevation(thigh, outward)
        rotation = _signed(-pelvis_r, np.cross(thigh, shank), _unit(-thigh))  # the knee's axis against the pelvis's left
        rotation = rotation if side == "right" else -rotation  # internal positive on both sides
        out[f"hip_rotation_{side}"] = unwrap(np.where(knee >= MIN_KNEE_FLEXION, rotation, np.nan))
        trunk_out = trunk_r if side == "right" else -trunk_r
        out[f"shoulder_flexion_{side}"] = _flexion(arm, trunk_f, trunk_u)
        out[f"shoulder_abduction_{side}"] = _elevation(arm, trunk_out)
        for name, segment in (("thigh", thigh), ("shank", shank), ("arm", arm), ("forearm", forearm)):
            out[f"{name}_{side}"] = unwrap(_in_plane(segment, heading, UP))
    trunk = p[:, THORAX] - p[:, PELVIS]
    out["trunk_flexion"] = _degrees(_dot(trunk, heading), trunk @ UP)
    out["trunk_lateral_lean"] = _degrees(_dot(trunk, heading_right), trunk @ UP)
    out["pelvis_rotation"] = unwrap(_degrees(pelvis_f[:, 0], pelvis_f[:, 2]))
    out["shoulder_rotation"] = unwrap(_degrees(trunk_f[:, 0], trunk_f[:, 2]))
    out["trunk"] = unwrap(_in_plane(trunk, heading, UP))
    return {name: out[name] for name in ANGLES}


def angle_table(angles: dict[str, np.ndarray]) -> np.ndarray:
    """(T, len(ANGLES)) the angles as columns, in :data:`ANGLES`' order."""
    return np.stack([angles[name] for name in ANGLES], axis=-1)
