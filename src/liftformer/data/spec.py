"""What a dataset is to the rest of the pipeline: one :class:`DatasetSpec`, declared by its module."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence as Seq
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from liftformer.data.camera import Camera
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import Skeleton


class LoadSequences(Protocol):
    def __call__(
        self, path_3d: str | None, path_2d: str, subjects: Seq[str] | None, actions: Seq[str] | None,
        input_skeleton: Skeleton,
    ) -> list[Sequence]: ...


@dataclass(frozen=True)
class DatasetSpec:
    """Every fact about one dataset that code outside its module needs.

    ``load`` reads (subject, action, camera) sequences; ``subjects=None`` means every subject
    in the files. ``table`` is the layout of the paper's protocol table: ``"by action"``
    (Human3.6M Tables 1-4, columns in ``table_actions`` order, headed by
    ``table_abbreviations``) or ``"by subject"`` (HumanEva-I
    Table 5). ``eval_actions`` is the default action filter of ``evaluate`` (None: all).

    Cross-dataset facts (``evaluate --suite generalisation``): ``cameras`` returns the packaged
    calibration per subject (None: none ships); ``h36m_pairs`` lists (own joint, Human3.6M-17
    joint) pairs that mark the same body point; ``to_h36m`` maps own-layout keypoints
    (..., J, C) to the Human3.6M-17 input of the shipped models, filling joints it lacks.
    """

    name: str
    output_skeleton: Skeleton
    default_epochs: int
    load: LoadSequences
    train_subjects: tuple[str, ...] = ()
    test_subjects: tuple[str, ...] = ()
    eval_actions: tuple[str, ...] | None = None
    table: Literal["by action", "by subject"] = "by action"
    table_actions: tuple[str, ...] | None = None
    table_abbreviations: Mapping[str, str] = field(default_factory=dict)
    requires_3d_file: bool = True
    cameras: Callable[[], Mapping[str, list[Camera]]] | None = None
    h36m_pairs: tuple[tuple[int, int], ...] = ()
    to_h36m: Callable[[np.ndarray], np.ndarray] | None = None

    def subjects(self, split: Literal["train", "test"]) -> tuple[str, ...]:
        """The standard training or test subjects (empty: the dataset has no standard split)."""
        return self.train_subjects if split == "train" else self.test_subjects
