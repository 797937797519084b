"""A user's own dataset in VideoPose3D's custom npz layout: 2D only (inference) or 2D + 3D.

2D file: ``positions_2d[subject][action]`` = list of per-camera (T, J, 2) pixels, ``metadata``
with ``num_joints``, ``keypoints_symmetry`` and the image size, either per subject in
``video_metadata[subject] = {"w": W, "h": H}`` (what VideoPose3D's custom preparation writes)
or once as ``res_w``/``res_h``.
3D file (optional): ``positions_3d[subject][action]`` = camera-space 3D in metres, a (T, J, 3)
array (one camera) or a list of them, one per camera of the 2D file. Made root-relative here
(joint 0 is the root).
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from typing import Any

import numpy as np

from liftformer.data.camera import normalize_screen_coordinates
from liftformer.data.formats import (
    camera_views,
    check_nested,
    check_poses,
    image_dimension,
    load_item,
    load_positions_2d,
    positive,
    trim_to_3d,
)
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.errors import DataError


def image_size(metadata: dict[str, Any], subject: str, path: str) -> tuple[int, int]:
    """(width, height) of a subject's video from the 2D file's metadata."""
    per_video = metadata.get("video_metadata", {}) or {}
    if not isinstance(per_video, dict):
        raise DataError(f"{path}: metadata video_metadata must be a dict of video → {{'w': W, 'h': H}}")
    if subject in per_video:
        size = per_video[subject]
        if not isinstance(size, dict) or "w" not in size or "h" not in size:
            raise DataError(f"{path}: metadata video_metadata[{subject!r}] must be {{'w': W, 'h': H}}")
        return image_dimension(size["w"], path, f"{subject} width"), image_dimension(size["h"], path, f"{subject} height")
    if "res_w" in metadata and "res_h" in metadata:
        return image_dimension(metadata["res_w"], path, "metadata res_w"), image_dimension(metadata["res_h"], path, "metadata res_h")
    raise DataError(f"{path}: no image size for {subject} (metadata needs video_metadata[{subject!r}] or res_w/res_h)")


def load_custom_sequences(path_2d: str, path_3d: str | None = None, fps: float = 50.0) -> list[Sequence]:
    """Every (subject, action, camera) of a custom 2D file, with its 3D when ``path_3d`` is given."""
    positions_2d, metadata = load_positions_2d(path_2d)
    positions_3d: dict | None = None
    if path_3d is not None:
        positions_3d = check_nested(load_item(path_3d, "positions_3d"), path_3d, "positions_3d")
    fps = positive(metadata.get("fps", fps), path_2d, "metadata fps", float)
    out = []
    for subject, actions in positions_2d.items():
        width, height = image_size(metadata, subject, path_2d)
        for action, views in actions.items():
            targets: list[np.ndarray | None] = [None] * len(views)
            if positions_3d is not None and path_3d is not None:
                raw = positions_3d.get(subject, {}).get(action)
                if raw is None:
                    raise DataError(f"{path_3d}: no 3D for {subject}/{action} of {path_2d}")
                raw = camera_views(raw, path_3d, f"{subject}/{action}")
                if len(raw) != len(views):
                    raise DataError(f"{path_3d}: {subject}/{action}: {len(raw)} 3D views for {len(views)} 2D cameras")
                targets = [check_poses(p, path_3d, f"{subject}/{action} camera {i}", 3) for i, p in enumerate(raw)]
            for i, (kp, pos) in enumerate(zip(views, targets)):
                if pos is not None:
                    kp = trim_to_3d(kp, len(pos), path_2d, f"{subject}/{action} camera {i}")
                    pos = pos - pos[:, :1]
                keypoints = normalize_screen_coordinates(kp, width, height).astype(np.float32)
                out.append(Sequence(subject, action, i, keypoints, pos, fps))
    return out


def _load(
    path_3d: str | None, path_2d: str, subjects: Seq[str] | None, actions: Seq[str] | None, input_skeleton: Skeleton
) -> list[Sequence]:
    """The :class:`DatasetSpec` loader: every sequence of the files, or those of ``subjects``."""
    sequences = load_custom_sequences(path_2d, path_3d)
    return [s for s in sequences if s.subject in subjects] if subjects else sequences


SPEC = DatasetSpec(name="custom", output_skeleton=H36M_17, default_epochs=80, load=_load, requires_3d_file=False)
