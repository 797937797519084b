"""Human3.6M: standard splits, actions, the 32→17 joint reduction, cameras, ground-truth 2D."""

from __future__ import annotations

from collections.abc import Sequence as Seq

import numpy as np

from liftformer.data.camera import Camera
from liftformer.data.formats import Positions2D, Positions3D, load_positions_2d, load_positions_3d, save_positions_2d
from liftformer.data.multiview import camera_sequences, load_packaged_cameras
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.errors import DataError

TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS = ("S9", "S11")
ACTIONS = (
    "Directions", "Discussion", "Eating", "Greeting", "Phoning", "Photo", "Posing", "Purchases",
    "Sitting", "SittingDown", "Smoking", "Waiting", "WalkDog", "Walking", "WalkTogether",
)
ACTION_ABBREVIATIONS = {
    "Directions": "Dir.", "Discussion": "Disc.", "Eating": "Eat", "Greeting": "Greet",
    "Phoning": "Phone", "Photo": "Photo", "Posing": "Pose", "Purchases": "Purch.",
    "Sitting": "Sit", "SittingDown": "SitD.", "Smoking": "Smoke", "Waiting": "Wait",
    "WalkDog": "WalkD.", "Walking": "Walk", "WalkTogether": "WalkT.",
}  # the column headers of the papers' tables
FPS = 50.0
# Indices of the 17 standard joints among Human3.6M's 32 (VideoPose3D's remove_joints).
JOINTS_32_TO_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)


def cameras() -> dict[str, list[Camera]]:
    """The 4 calibrated cameras of every subject (package data), centres in metres."""
    return load_packaged_cameras("h36m")


def to_17_joints(positions: Positions3D) -> Positions3D:
    """Reduce 32-joint sequences to the standard 17 (17-joint ones pass through).

    The kept joints' positions are unchanged; only the skeleton's parents differ (the shoulders
    hang from the thorax), which :data:`~liftformer.data.skeleton.H36M_17` already encodes.
    """
    return {
        s: {a: p[:, JOINTS_32_TO_17] if p.shape[1] == 32 else p for a, p in actions.items()}
        for s, actions in positions.items()
    }


def load_positions(path_3d: str) -> Positions3D:
    """A Human3.6M 3D file (32 or 17 joints) as 17-joint world positions, metres."""
    return to_17_joints(load_positions_3d(path_3d, num_joints=(17, 32)))


def load_h36m_sequences(
    path_3d: str | None,
    path_2d: str,
    subjects: Seq[str] | None = None,
    actions: Seq[str] | None = None,
    input_skeleton: Skeleton | None = None,
) -> list[Sequence]:
    """Camera-space, root-relative 17-joint 3D with the 2D of ``path_2d`` for every camera
    (``subjects`` default: every subject of the 3D file)."""
    if path_3d is None:
        raise DataError("--data-3d is required for h36m")
    positions_2d, metadata = load_positions_2d(path_2d)
    if input_skeleton is not None and int(metadata["num_joints"]) != input_skeleton.num_joints:
        raise DataError(f"{path_2d}: {metadata['num_joints']} joints, layout {input_skeleton.name} has {input_skeleton.num_joints}")
    positions_3d = load_positions(path_3d)
    subjects = tuple(positions_3d) if subjects is None else subjects
    return camera_sequences(positions_3d, positions_2d, cameras(), subjects, actions, FPS, path_3d, path_2d)


def project_ground_truth_2d(positions: Positions3D, cams: dict[str, list[Camera]]) -> Positions2D:
    """Pixel 2D of every camera by full (distorted) projection of the world 3D."""
    out: Positions2D = {}
    for subject, actions in positions.items():
        if subject not in cams:
            raise DataError(f"no camera calibration for subject {subject}")
        out[subject] = {
            action: [cam.project(cam.world_to_camera(world.astype(np.float64))).astype(np.float32) for cam in cams[subject]]
            for action, world in actions.items()
        }
    return out


def prepare_ground_truth_2d(path_3d: str, path_out: str) -> int:
    """Write ``data_2d_h36m_gt.npz`` (VideoPose3D layout, H36M-17) from a 3D file; returns #sequences."""
    positions = load_positions(path_3d)
    metadata = {
        "layout_name": "h36m",
        "num_joints": H36M_17.num_joints,
        "keypoints_symmetry": [list(H36M_17.joints_left), list(H36M_17.joints_right)],
    }
    save_positions_2d(path_out, project_ground_truth_2d(positions, cameras()), metadata)
    return sum(len(a) for a in positions.values())


SPEC = DatasetSpec(
    name="h36m", output_skeleton=H36M_17, default_epochs=80, load=load_h36m_sequences,
    train_subjects=TRAIN_SUBJECTS, test_subjects=TEST_SUBJECTS, table="by action", table_actions=ACTIONS,
    table_abbreviations=ACTION_ABBREVIATIONS, cameras=cameras,
)
