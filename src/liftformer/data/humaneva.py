"""HumanEva-I (15 joints, 60 fps, 3 cameras): splits, the Table 5 protocol actions, cameras."""

from __future__ import annotations

from collections.abc import Sequence as Seq

import numpy as np

from liftformer.data.camera import Camera
from liftformer.data.formats import load_positions_2d, load_positions_3d
from liftformer.data.multiview import camera_sequences, load_packaged_cameras
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import HUMANEVA_15, Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.errors import DataError

TRAIN_SUBJECTS = ("Train/S1", "Train/S2", "Train/S3")
TEST_SUBJECTS = ("Validate/S1", "Validate/S2", "Validate/S3")
EVAL_ACTIONS = ("Walking", "Jog", "Box")  # "Walk, Jog, Box" of the papers' Table 5
FPS = 60.0
# (HumanEva-15 joint, Human3.6M-17 joint) marking the same body point: pelvis, thorax, shoulders,
# elbows, wrists, hips, knees, ankles. HumanEva's "head" is the top of the head (0.32 m above the
# thorax on Train/S1-3) while Human3.6M's is 0.17 m above it (S1, S5-S8): not paired. The hip
# joints are paired but sit closer together in HumanEva (0.09 m apart against 0.25 m).
H36M_PAIRS = ((0, 0), (1, 8), (2, 11), (3, 12), (4, 13), (5, 14), (6, 15), (7, 16),
              (8, 4), (9, 5), (10, 6), (11, 1), (12, 2), (13, 3))
# The Human3.6M joints HumanEva lacks, as points on its segments, with the mean positions of the
# Human3.6M joints along those segments on the training subjects (3D, S1, S5-S8 and Train/S1-3):
# spine 0.48 of the way pelvis → thorax; nose 0.28 and head 0.55 of the way thorax → head top.
H36M_FILLED = {7: ((0, 0.52), (1, 0.48)), 9: ((1, 0.72), (14, 0.28)), 10: ((1, 0.45), (14, 0.55))}


def to_h36m(points: np.ndarray) -> np.ndarray:
    """HumanEva-15 keypoints (..., 15, C) → Human3.6M-17 (..., 17, C): the paired joints copied,
    spine, nose and head interpolated (:data:`H36M_FILLED`)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim < 2 or points.shape[-2] != HUMANEVA_15.num_joints:
        raise ValueError(f"HumanEva keypoints have {HUMANEVA_15.num_joints} joints, got shape {points.shape}")
    weights = np.zeros((17, HUMANEVA_15.num_joints))
    for own, h36m in H36M_PAIRS:
        weights[h36m, own] = 1.0
    for h36m, parts in H36M_FILLED.items():
        for own, w in parts:
            weights[h36m, own] = w
    return np.einsum("hj,...jc->...hc", weights, points)


def cameras() -> dict[str, list[Camera]]:
    """Extrinsics of cameras C1-C3 per subject S1-S3 (package data), centres in metres."""
    return load_packaged_cameras("humaneva")


def load_humaneva_sequences(
    path_3d: str | None,
    path_2d: str,
    subjects: Seq[str] | None = None,
    actions: Seq[str] | None = None,
    input_skeleton: Skeleton | None = None,
) -> list[Sequence]:
    """Camera-space, root-relative 15-joint 3D with the 2D of every camera.

    Subjects are keyed ``Train/S1`` … ``Validate/S3`` (default: every subject of the 3D file);
    actions are chunks such as ``"Walking 1 chunk0"`` (VideoPose3D's split at mocap gaps).
    ``input_skeleton`` is accepted for a uniform signature: the 2D must be HumanEva-15.
    """
    if path_3d is None:
        raise DataError("--data-3d is required for humaneva")
    positions_2d, metadata = load_positions_2d(path_2d)
    if int(metadata["num_joints"]) != HUMANEVA_15.num_joints:
        raise DataError(f"{path_2d}: {metadata['num_joints']} joints, HumanEva-I has {HUMANEVA_15.num_joints}")
    positions_3d = load_positions_3d(path_3d, num_joints=(HUMANEVA_15.num_joints,))
    subjects = tuple(positions_3d) if subjects is None else subjects
    return camera_sequences(
        positions_3d, positions_2d, cameras(), subjects, actions, FPS, path_3d, path_2d,
        camera_key=lambda subject: subject.split("/")[-1],
    )


SPEC = DatasetSpec(
    name="humaneva", output_skeleton=HUMANEVA_15, default_epochs=1000, load=load_humaneva_sequences,
    train_subjects=TRAIN_SUBJECTS, test_subjects=TEST_SUBJECTS, eval_actions=EVAL_ACTIONS, table="by subject",
    cameras=cameras, h36m_pairs=H36M_PAIRS, to_h36m=to_h36m,
)
