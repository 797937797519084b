"""HumanEva-I (15 joints, 60 fps, 3 cameras): splits, the Table 5 protocol actions, cameras."""

from __future__ import annotations

from collections.abc import Sequence as Seq

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
)
