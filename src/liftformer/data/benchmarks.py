"""One entry point over the dataset readers: which subjects form a split, which skeletons apply."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass

import numpy as np

from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import COCO_17, H36M_17, HUMANEVA_15, MPII_16, SKELETONS, Skeleton
from liftformer.errors import DataError

DATASETS = ("h36m", "humaneva", "custom")
DEFAULT_EPOCHS = {"h36m": 80, "humaneva": 1000, "custom": 80}
OUTPUT_SKELETONS = {"h36m": H36M_17, "humaneva": HUMANEVA_15, "custom": H36M_17}


@dataclass(frozen=True)
class LoadedSplit:
    """Sequences of one split with the skeletons that flip their 2D input and 3D output."""

    sequences: list[Sequence]
    input_skeleton: Skeleton
    output_skeleton: Skeleton


def input_skeleton_from_metadata(metadata: dict, path: str) -> Skeleton:
    """The 2D layout of a VideoPose3D 2D file, from ``layout_name``/``num_joints``/symmetry."""
    try:
        num_joints = int(metadata["num_joints"])
        left, right = (tuple(int(j) for j in side) for side in metadata["keypoints_symmetry"])
    except (KeyError, TypeError, ValueError) as e:
        raise DataError(f"{path}: metadata lacks num_joints/keypoints_symmetry ({e})") from None
    layout = str(metadata.get("layout_name", "")).lower()
    aliases = {"h36m": H36M_17, "mpii": MPII_16, "coco": COCO_17, "humaneva15": HUMANEVA_15, "humaneva": HUMANEVA_15}
    known = aliases.get(layout) or next(
        (s for s in SKELETONS.values() if s.num_joints == num_joints and (s.joints_left, s.joints_right) == (left, right)),
        None,
    )
    if known is not None and known.num_joints == num_joints:
        if {*known.joints_left} != {*left} or {*known.joints_right} != {*right}:
            return _generic(layout or "custom", num_joints, left, right)
        return known
    return _generic(layout or "custom", num_joints, left, right)


def _generic(name: str, num_joints: int, left: tuple[int, ...], right: tuple[int, ...]) -> Skeleton:
    names = [f"joint{j}" for j in range(num_joints)]
    for a, b in zip(left, right):
        names[a], names[b] = f"l{a}_{b}", f"r{a}_{b}"
    return Skeleton(name, tuple(names), (-1,) * num_joints, left, right)


def split_subjects(dataset: str, split: str) -> tuple[str, ...]:
    """The standard training or test subjects of a benchmark."""
    if dataset == "h36m":
        from liftformer.data import h36m as module
    elif dataset == "humaneva":
        from liftformer.data import humaneva as module
    else:
        raise DataError(f"dataset '{dataset}' has no standard split: pass --subjects")
    return module.TRAIN_SUBJECTS if split == "train" else module.TEST_SUBJECTS


def load_split(
    dataset: str,
    path_3d: str | None,
    path_2d: str,
    subjects: Seq[str] | None = None,
    split: str = "train",
    actions: Seq[str] | None = None,
    require_3d: bool = False,
    to_h36m: bool = False,
) -> LoadedSplit:
    """Read one split of a benchmark (or a custom dataset) as :class:`Sequence` records."""
    from liftformer.data.formats import load_positions_2d_metadata

    if dataset not in DATASETS:
        raise DataError(f"unknown dataset '{dataset}' (choose from {', '.join(DATASETS)})")
    skel_in = input_skeleton_from_metadata(load_positions_2d_metadata(path_2d), path_2d)
    if dataset == "custom":
        from liftformer.data.custom import load_custom_sequences

        sequences = load_custom_sequences(path_2d, path_3d)
        if subjects:
            sequences = [s for s in sequences if s.subject in subjects]
    else:
        if path_3d is None:
            raise DataError(f"--data-3d is required for {dataset}")
        subjects = tuple(subjects or split_subjects(dataset, split))
        if dataset == "h36m":
            from liftformer.data.h36m import load_h36m_sequences

            sequences = load_h36m_sequences(path_3d, path_2d, subjects, actions=actions, input_skeleton=skel_in)
        else:
            from liftformer.data.humaneva import load_humaneva_sequences

            sequences = load_humaneva_sequences(path_3d, path_2d, subjects, actions=actions)
    if require_3d and any(s.positions_3d is None for s in sequences):
        raise DataError(f"{path_2d}: training and evaluation need 3D targets: pass --data-3d")
    if to_h36m and skel_in != H36M_17:
        sequences, skel_in = _inputs_to_h36m(sequences, skel_in, path_2d), H36M_17
    if not sequences:
        raise DataError(f"{path_2d}: no sequences left for subjects {subjects} and actions {actions}")
    return LoadedSplit(sequences, skel_in, OUTPUT_SKELETONS[dataset])


def _inputs_to_h36m(sequences: list[Sequence], skeleton: Skeleton, path: str) -> list[Sequence]:
    """Convert every sequence's 2D input to the H36M-17 layout (for the H36M-17-input models)."""
    from dataclasses import replace

    from liftformer.data.layouts import to_h36m

    if skeleton.name not in ("mpii", "coco"):
        raise DataError(f"{path}: cannot convert a {skeleton.name} 2D layout to h36m (known: mpii, coco)")
    return [replace(s, keypoints=to_h36m(s.keypoints, skeleton.name).astype(np.float32)) for s in sequences]
