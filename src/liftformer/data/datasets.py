"""The datasets a run can name (one registry line each) and the split loader over them."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from liftformer.data import custom, h36m, humaneva
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import COCO_17, H36M_17, HUMANEVA_15, MPII_16, SKELETONS, Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.errors import DataError, plural

DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (h36m.SPEC, humaneva.SPEC, custom.SPEC)}


def get_dataset(name: str) -> DatasetSpec:
    """The registered dataset ``name``, or a one-line :class:`DataError` listing the known ones."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset '{name}' (choose from {', '.join(DATASETS)})")
    return DATASETS[name]


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
    if num_joints < 1:
        raise DataError(f"{path}: metadata num_joints is {num_joints}: it must be the joint count of the 2D arrays")
    bad = [j for j in (*left, *right) if not 0 <= j < num_joints]
    if bad or len(left) != len(right) or {*left} & {*right}:
        why = (f"indices {bad} are outside 0..{num_joints - 1}" if bad
               else "left and right lists must pair up (same length, no joint on both sides)")
        raise DataError(f"{path}: metadata keypoints_symmetry: {why}: fix the [left, right] joint lists")
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


def load_split(
    dataset: str,
    path_3d: str | None,
    path_2d: str,
    subjects: Seq[str] | None = None,
    split: Literal["train", "test"] = "train",
    actions: Seq[str] | None = None,
    require_3d: bool = False,
    to_h36m: bool = False,
) -> LoadedSplit:
    """Read one split of a dataset as :class:`Sequence` records (``subjects`` default: its standard split)."""
    from liftformer.data.formats import load_positions_2d_metadata

    spec = get_dataset(dataset)
    skel_in = input_skeleton_from_metadata(load_positions_2d_metadata(path_2d), path_2d)
    if spec.requires_3d_file and path_3d is None:
        raise DataError(f"--data-3d is required for {dataset}")
    subjects = tuple(subjects or spec.subjects(split)) or None  # None: every subject (no standard split)
    sequences = spec.load(path_3d, path_2d, subjects, actions, skel_in)
    if require_3d and any(s.positions_3d is None for s in sequences):
        raise DataError(f"{path_2d}: training and evaluation need 3D targets: pass --data-3d")
    if to_h36m and skel_in != H36M_17:
        sequences, skel_in = _inputs_to_h36m(sequences, skel_in, path_2d), H36M_17
    if not sequences:
        raise DataError(f"{path_2d}: no sequences left for subjects {subjects} and actions {actions}")
    return LoadedSplit(sequences, skel_in, spec.output_skeleton)


def pair_detections(sequences: Seq[Sequence], detections: LoadedSplit, skeleton: Skeleton, path: str) -> list[np.ndarray]:
    """The 2D of ``detections`` for each of ``sequences`` (same subject, action, camera and length), in order.

    A sequence the detections lack keeps its own 2D (its picked windows get it unaugmented); none matching, a
    different joint layout or a different length is a one-line :class:`DataError` naming ``path``.
    """
    if detections.input_skeleton.num_joints != skeleton.num_joints:
        raise DataError(f"{path}: {detections.input_skeleton.name} 2D ({detections.input_skeleton.num_joints} joints), "
                        f"the training 2D is {skeleton.name} ({skeleton.num_joints}): pass --to-h36m or another file")
    found = {s.name: s.keypoints for s in detections.sequences}
    if not any(s.name in found for s in sequences):
        raise DataError(f"{path}: none of the training sequences has detections in this file: check --real-2d")
    out = []
    for s in sequences:
        kp = found.get(s.name, s.keypoints)
        if kp.shape != s.keypoints.shape:
            raise DataError(f"{path}: {s.name}: {plural(len(kp), 'frame')}, the training 2D has {s.num_frames}: "
                            "the two 2D files must come from the same 3D file")
        out.append(kp)
    return out


def _inputs_to_h36m(sequences: list[Sequence], skeleton: Skeleton, path: str) -> list[Sequence]:
    """Convert every sequence's 2D input to the H36M-17 layout (for the H36M-17-input models)."""
    from liftformer.data.layouts import to_h36m

    if skeleton.name not in ("mpii", "coco"):
        raise DataError(f"{path}: cannot convert a {skeleton.name} 2D layout to h36m (known: mpii, coco)")
    return [replace(s, keypoints=to_h36m(s.keypoints, skeleton.name).astype(np.float32)) for s in sequences]
