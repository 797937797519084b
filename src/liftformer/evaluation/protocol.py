"""Benchmark protocols: per-frame errors of every test sequence, aggregated like the papers.

Human3.6M (VideoPose3D / LiftFormer Tables 1-4): inside an action the error is frame-weighted
over all its sequences and cameras; the headline is the unweighted mean over actions.
HumanEva-I (Table 5): P-MPJPE per (action, subject), and their mean.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence as Seq
from dataclasses import dataclass, field

import numpy as np

from liftformer.data.sequences import Sequence, action_group
from liftformer.data.skeleton import Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.evaluation.metrics import mpjpe, mpjve, n_mpjpe, p_mpjpe
from liftformer.fileio import atomic_write, atomic_write_text
from liftformer.inference.lifting.sequence import lift_sequence
from liftformer.model import WindowModel

METRICS = ("P1 MPJPE", "P2 P-MPJPE", "N-MPJPE", "P3 MPJVE")


@dataclass
class SequenceErrors:
    """Per-frame errors of one test sequence, in millimetres (MPJVE: mm per frame)."""

    subject: str
    action: str
    camera: int
    frames: dict[str, np.ndarray] = field(default_factory=dict)


def sequence_errors(pred: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame P1, P2, N-MPJPE (T,) and MPJVE (T-1,) in mm, metres in, root zeroed."""
    pred = pred - pred[:, :1]
    target = target - target[:, :1]
    errors = {
        "P1 MPJPE": mpjpe(pred, target, reduction="none"),
        "P2 P-MPJPE": p_mpjpe(pred, target, reduction="none"),
        "N-MPJPE": n_mpjpe(pred, target, reduction="none"),
        "P3 MPJVE": mpjve(pred, target, reduction="none") if len(pred) > 1 else np.zeros(0),
    }
    return {k: 1000.0 * np.asarray(v, dtype=np.float64) for k, v in errors.items()}


def evaluate_sequences(
    model: WindowModel,
    sequences: Iterable[Sequence],
    flip: tuple[Skeleton, Skeleton] | None = None,
    batch_size: int = 1024,
    progress: bool = False,
    trajectory: Callable[[Sequence, np.ndarray], dict[str, np.ndarray]] | None = None,
) -> list[SequenceErrors]:
    """Lift every sequence (flip TTA when ``flip`` is given) and score it frame by frame; ``trajectory`` adds the
    per-frame errors it computes from a sequence and its lifted poses (the root's camera-space path)."""
    sequences = list(sequences)
    if progress:
        from tqdm import tqdm

        sequences = tqdm(sequences, desc="evaluate", unit="seq", disable=None)
    results = []
    for s in sequences:
        if s.positions_3d is None:
            raise ValueError(f"{s.name}: evaluation needs 3D ground truth")
        pred = lift_sequence(model, s.keypoints, batch_size=batch_size, flip=flip)
        errors = sequence_errors(pred, s.positions_3d)
        if trajectory is not None:
            errors.update(trajectory(s, pred))
        results.append(SequenceErrors(s.subject, s.action, s.camera, errors))
    return results


def _weighted(results: Seq[SequenceErrors], metric: str) -> float:
    frames = [r.frames[metric] for r in results if len(r.frames[metric])]
    return float(np.concatenate(frames).mean()) if frames else float("nan")


def summarize_by_action(
    results: Seq[SequenceErrors], actions: Seq[str] | None = None, metrics: Seq[str] = METRICS
) -> dict[str, dict[str, float]]:
    """{metric: {action: frame-weighted mean, ..., "Average": unweighted mean over actions}}."""
    groups: dict[str, list[SequenceErrors]] = {}
    for r in results:
        groups.setdefault(action_group(r.action), []).append(r)
    order = [a for a in (actions or sorted(groups)) if a in groups]
    table = {}
    for metric in metrics:
        row = {a: _weighted(groups[a], metric) for a in order}
        defined = [v for v in row.values() if np.isfinite(v)]
        row["Average"] = float(np.mean(defined)) if defined else float("nan")
        table[metric] = row
    return table


def summarize_by_subject(
    results: Seq[SequenceErrors], actions: Seq[str] | None = None, metric: str = "P2 P-MPJPE"
) -> dict[str, dict[str, float]]:
    """{action: {subject: frame-weighted mean}} plus an "Average" row — the HumanEva Table 5 layout."""
    subjects = sorted({r.subject for r in results})
    groups = sorted({action_group(r.action) for r in results})
    order = [a for a in (actions or groups) if a in groups]
    table = {}
    for a in order:
        table[a] = {
            s: _weighted([r for r in results if r.subject == s and action_group(r.action) == a], metric)
            for s in subjects
        }
    cells = [v for row in table.values() for v in row.values() if np.isfinite(v)]
    table["Average"] = {"all": float(np.mean(cells)) if cells else float("nan")}
    return table


Table = dict[str, dict[str, float]]


def protocol_tables(
    results: Seq[SequenceErrors], spec: DatasetSpec, actions_given: bool = False, by_subject: bool = False
) -> dict[str, Table]:
    """The dataset's protocol tables, named: HumanEva-style P-MPJPE by (action, subject), or
    every metric by action (plus one such table per subject with ``by_subject``).

    ``actions_given``: the user chose the actions, so the by-subject table keeps all of them
    instead of only the dataset's ``eval_actions``.
    """
    if spec.table == "by subject":
        return {"P2 P-MPJPE by subject": summarize_by_subject(results, None if actions_given else spec.eval_actions)}
    tables = {"by action": summarize_by_action(results, spec.table_actions)}
    if by_subject:
        for subject in sorted({r.subject for r in results}):
            tables[f"by action, {subject}"] = summarize_by_action([r for r in results if r.subject == subject],
                                                                  spec.table_actions)
    return tables


def format_table(table: Mapping[str, Mapping[str, float]], abbreviations: Mapping[str, str] | None = None) -> str:
    """Fixed-width text table: one row per key of ``table``, one column per inner key."""
    columns = list(dict.fromkeys(c for row in table.values() for c in row))
    names = [(abbreviations or {}).get(c, c) for c in columns]
    width = max(6, *(len(n) for n in names))
    label = max(len(k) for k in table)
    lines = [" " * label + " " + " ".join(f"{n:>{width}}" for n in names)]
    for key, row in table.items():
        cells = [(f"{row[c]:>{width}.1f}" if np.isfinite(row[c]) else f"{'-':>{width}}") if c in row else " " * width
                 for c in columns]
        lines.append(f"{key:<{label}} " + " ".join(cells))
    return "\n".join(lines)


def write_table(table: dict[str, dict[str, float]], path: str | os.PathLike) -> None:
    """Write a table atomically as JSON (``.json``) or CSV (anything else); undefined cells
    (NaN, e.g. the velocity error of a one-frame sequence) are ``null`` in JSON and empty in CSV."""
    if str(path).endswith(".json"):
        clean = {k: {c: (v if np.isfinite(v) else None) for c, v in row.items()} for k, row in table.items()}
        atomic_write_text(path, json.dumps(clean, indent=2, allow_nan=False))
        return
    columns = list(dict.fromkeys(c for row in table.values() for c in row))

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["", *columns])
            for key, row in table.items():
                w.writerow([key, *(f"{row[c]:.2f}" if c in row and np.isfinite(row[c]) else "" for c in columns)])

    atomic_write(path, write)
