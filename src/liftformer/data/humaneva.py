"""HumanEva-I (15 joints, 60 fps, 3 cameras): splits, the Table 5 protocol actions, cameras."""

from __future__ import annotations

from collections.abc import Sequence as Seq

from liftformer.data.camera import Camera
from liftformer.data.formats import load_positions_2d, load_positions_3d
from liftformer.data.multiview import camera_sequences, load_packaged_cameras
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import HUMANEVA_15
from liftformer.errors import DataError

TRAIN_SUBJECTS = ("Train/S1", "Train/S2", "Train/S3")
TEST_SUBJECTS = ("Validate/S1", "Validate/S2", "Validate/S3")
EVAL_ACTIONS = ("Walking", "Jog", "Box")  # "Walk, Jog, Box" of the papers' Table 5
FPS = 60.0


def cameras() -> dict[str, list[Camera]]:
    """Extrinsics of cameras C1-C3 per subject S1-S3 (package data), centres in metres."""
    return load_packaged_cameras("humaneva")


def load_humaneva_sequences(
    path_3d: str, path_2d: str, subjects: Seq[str], actions: Seq[str] | None = None
) -> list[Sequence]:
    """Camera-space, root-relative 15-joint 3D with the 2D of every camera.

    Subjects are keyed ``Train/S1`` … ``Validate/S3``; actions are chunks such as
    ``"Walking 1 chunk0"`` (VideoPose3D's split at mocap gaps).
    """
    positions_2d, metadata = load_positions_2d(path_2d)
    if int(metadata["num_joints"]) != HUMANEVA_15.num_joints:
        raise DataError(f"{path_2d}: {metadata['num_joints']} joints, HumanEva-I has {HUMANEVA_15.num_joints}")
    positions_3d = load_positions_3d(path_3d, num_joints=(HUMANEVA_15.num_joints,))
    return camera_sequences(
        positions_3d, positions_2d, cameras(), subjects, actions, FPS, path_3d, path_2d,
        camera_key=lambda subject: subject.split("/")[-1],
    )
