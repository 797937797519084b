"""Reading a multi-camera calibration: Qualisys ``.qca.txt`` (as Pose2Sim's demos ship it) → :class:`Camera` list.

Qualisys writes each camera's pose in the world (``transform``: the rotation by columns and the centre
in millimetres) in its own camera axes (z backwards, y up), and its intrinsics in sensor units of 1/64
pixel, relative to the sensor's corner rather than the video's (``fov_video``). The conversion is
Pose2Sim's (``calibration.read_qca`` with ``world_to_camera_persp`` and a half turn about x, BSD-3-Clause):
``R = Rx(π) · M`` with ``M`` the transform's matrix as written row by row, the centre ``C = (x, y, z) /
1000`` metres, focal and principal point ``/ 64`` (the principal point less the video's left and top),
distortion ``k1, k2, p1, p2 / 64``. Cameras come in their names' natural order (cam01, cam02, …).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from liftformer.data.camera import Camera
from liftformer.errors import DataError

MAX_BYTES = 1 << 20  # a calibration file is a few kB; anything larger is not one


def natural_key(name: str) -> list:
    """A sort key that orders names with numbers as people do: cam2 before cam10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def read_qca(path: str | Path) -> list[Camera]:
    """The cameras of a Qualisys ``.qca.txt`` file (module docstring); one-line DataError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such calibration file")
    data = path.read_bytes()
    if len(data) > MAX_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DataError(f"{path}: not a Qualisys calibration (too large, or declares entities)")
    try:
        root = ET.fromstring(data)
        cameras = [_camera(tag) for tag in root.findall("cameras/camera")]
    except (ET.ParseError, KeyError, TypeError, ValueError) as e:
        raise DataError(f"{path}: cannot read the Qualisys calibration ({type(e).__name__}: {' '.join(str(e).split())[:120]})") from None
    if not cameras:
        raise DataError(f"{path}: no <camera> in the calibration")
    return sorted(cameras, key=lambda c: natural_key(c.name))


def _camera(tag: ET.Element) -> Camera:
    video, transform, intrinsic = tag.find("fov_video"), tag.find("transform"), tag.find("intrinsic")
    if video is None or transform is None or intrinsic is None:
        raise KeyError(f"camera {tag.get('serial')} lacks fov_video, transform or intrinsic")
    left, top = float(video.attrib["left"]), float(video.attrib["top"])
    width = int(float(video.attrib["right"]) - left + 1)
    height = int(float(video.attrib["bottom"]) - top + 1)
    m = np.array([float(transform.attrib[f"r{i}{j}"]) for i in (1, 2, 3) for j in (1, 2, 3)]).reshape(3, 3)
    rotation = np.diag([1.0, -1.0, -1.0]) @ m  # Qualisys camera axes (y up, z back) → OpenCV (y down, z forward)
    centre = np.array([float(transform.attrib[k]) for k in "xyz"]) / 1000.0
    get = lambda key: float(intrinsic.attrib[key]) / 64.0  # noqa: E731
    focal = np.array([get("focalLengthU"), get("focalLengthV")])
    center = np.array([get("centerPointU") - left, get("centerPointV") - top])
    radial = np.array([get("radialDistortion1"), get("radialDistortion2"), 0.0])
    tangential = np.array([get("tangentalDistortion1"), get("tangentalDistortion2")])
    if not (np.isfinite(focal).all() and (focal > 0).all() and width > 0 and height > 0):
        raise ValueError(f"camera {tag.get('serial')}: focal length {focal} or image size {width}x{height} is not positive")
    return Camera(rotation, centre, focal, center, radial, tangential, width, height, tag.get("serial") or "")
