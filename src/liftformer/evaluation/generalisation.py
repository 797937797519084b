"""The generalisation suite: a Human3.6M-trained model scored where no training run tunes it.

(a) Cross-dataset: another dataset's test subjects (HumanEva-I Validate/S1-S3: every action and
    camera) through its own cameras; its 2D mapped to the model's Human3.6M-17 input by the
    dataset's ``to_h36m``, scored on the joints both skeletons mark alike (``h36m_pairs``).
(b) Human3.6M S9 + S11 re-projected through held-out virtual cameras: per sequence and elevation,
    ``azimuths`` static cameras at evenly spaced azimuths after a seeded random start, aimed at
    the sequence's mean root from ``distance`` metres, square frame, focal 2.3 (2 f / width), no
    roll, no distortion: Human3.6M's cameras (5.2 m, 2.29, 7-10° above the mean root) but for
    azimuth and elevation. The control elevation (8°, Human3.6M's) is scored beside them.
(c) Human3.6M S9 + S11 with Stacked Hourglass detections (MPII-16 → Human3.6M-17).

Errors are MPJPE and P-MPJPE in mm after root (pelvis) alignment, frame-weighted within an action,
and each row is the unweighted mean over actions (VideoPose3D's protocol). ``frame_stride`` k
scores every k-th frame (each by its full window).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from liftformer.data import h36m
from liftformer.data.datasets import get_dataset, load_split
from liftformer.data.skeleton import H36M_17
from liftformer.data.spec import DatasetSpec
from liftformer.data.virtual_camera import VirtualCameras, camera_pose, project_screen, to_camera
from liftformer.data.windows import sliding_windows
from liftformer.errors import DataError
from liftformer.evaluation.metrics import mpjpe, p_mpjpe
from liftformer.evaluation.protocol import SequenceErrors, summarize_by_action
from liftformer.inference.lifting.sequence import predict_windows
from liftformer.model import WindowModel

METRICS = ("MPJPE", "P-MPJPE")
Row = dict[str, float]


@dataclass(frozen=True)
class SuiteConfig:
    """What the suite runs: the cross dataset, the held-out cameras, how many frames it scores."""

    cross_dataset: str = "humaneva"
    elevations: tuple[float, ...] = (-20.0, 40.0)
    control_elevation: float = 8.0
    azimuths: int = 2
    distance: float = 5.5
    focal: float = 2.3
    seed: int = 0
    frame_stride: int = 1
    flip: bool = True
    batch_size: int = 1024


@dataclass(frozen=True)
class SuiteFiles:
    h36m_3d: str
    h36m_detections: str
    cross_3d: str
    cross_2d: str


@dataclass
class PartResult:
    """One part: rows (the first is the part's headline) of {metric: mm, "frames": n}."""

    name: str
    rows: dict[str, Row] = field(default_factory=dict)
    sequences: int = 0


def cross_dataset_spec(name: str) -> DatasetSpec:
    """The dataset of part (a), or a one-line :class:`DataError` saying what it lacks."""
    spec = get_dataset(name)
    if spec.name == h36m.SPEC.name:
        raise DataError(f"--cross-dataset {name}: the suite's model is trained on it; name another dataset (humaneva)")
    lacks = [what for what, has in (("camera calibration", spec.cameras is not None),
                                    ("joints shared with h36m", bool(spec.h36m_pairs) and spec.to_h36m is not None)) if not has]
    if lacks:
        raise DataError(f"--cross-dataset {name}: has no {' and no '.join(lacks)}; the generalisation suite needs both")
    return spec


def find_files(root: str | Path, cross_dataset: str = "humaneva") -> SuiteFiles:
    """The suite's VideoPose3D files under ``root`` (or ``root/<dataset>/``), one-line error if one is missing."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"--data-root {root}: not a directory")

    def one(dataset: str, pattern: str) -> str:
        found = sorted(root.glob(pattern)) + sorted(root.glob(f"{dataset}/{pattern}"))
        if not found:
            raise DataError(f"--data-root {root}: no {pattern} in it or in {root / dataset}")
        return str(found[0])

    return SuiteFiles(one("h36m", "data_3d_h36m*.npz"), one("h36m", "data_2d_h36m_sh_pt_mpii.npz"),
                      one(cross_dataset, f"data_3d_{cross_dataset}*.npz"), one(cross_dataset, f"data_2d_{cross_dataset}*_gt.npz"))


@torch.inference_mode()
def predict_frames(model: WindowModel, keypoints: np.ndarray, cfg: SuiteConfig) -> np.ndarray:
    """3D poses (T', J, 3) of every ``frame_stride``-th frame, one window each (flip TTA on request)."""
    mc = model.config
    device = next(model.parameters()).device
    windows = sliding_windows(torch.as_tensor(keypoints, dtype=torch.float32), mc.receptive_field, mc.causal)
    windows = windows[:: cfg.frame_stride]
    flip = (H36M_17, H36M_17) if cfg.flip else None
    out = [predict_windows(model, windows[i : i + cfg.batch_size].to(device), flip).float().cpu()
           for i in range(0, len(windows), cfg.batch_size)]
    return torch.cat(out).numpy()


def frame_errors(pred: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame MPJPE and P-MPJPE in mm of (T, J, 3) poses in metres, joint 0 (the root) aligned."""
    pred, target = pred - pred[:, :1], target - target[:, :1]
    return {"MPJPE": 1000.0 * mpjpe(pred, target, reduction="none"),
            "P-MPJPE": 1000.0 * p_mpjpe(pred, target, reduction="none")}


def _rows(results: list[SequenceErrors], groups: Iterable[tuple[str, Callable[[SequenceErrors], bool]]],
          actions: tuple[str, ...] | None) -> dict[str, Row]:
    rows = {}
    for label, keep in groups:
        chosen = [r for r in results if keep(r)]
        table = summarize_by_action(chosen, actions, METRICS)
        rows[label] = {m: table[m]["Average"] for m in METRICS} | {"frames": float(sum(len(r.frames["MPJPE"]) for r in chosen))}
    return rows


def cross_dataset_part(model: WindowModel, files: SuiteFiles, cfg: SuiteConfig) -> PartResult:
    """(a): the cross dataset's test subjects, every action and camera, on the shared joints."""
    spec = cross_dataset_spec(cfg.cross_dataset)
    assert spec.to_h36m is not None
    data = load_split(spec.name, files.cross_3d, files.cross_2d, None, "test", None, require_3d=True)
    own, ours = (list(j) for j in zip(*spec.h36m_pairs))
    results = []
    for s in data.sequences:
        pred = predict_frames(model, spec.to_h36m(s.keypoints), cfg)
        target = s.targets[:: cfg.frame_stride].astype(np.float64)
        pred, target = pred - pred[:, :1], target - target[:, :1]
        results.append(SequenceErrors(s.subject, s.action, s.camera, frame_errors(pred[:, ours], target[:, own])))
    actions = tuple(sorted({r.action.split(" ")[0] for r in results}))
    subjects = ",".join(sorted({s.subject for s in data.sequences}))
    name = f"(a) {spec.name} {subjects}, all actions and cameras, {len(own)} shared joints"
    groups = [("all", lambda r: True)] + [(f"  {a}", lambda r, a=a: r.action.startswith(a)) for a in actions]
    return PartResult(name, _rows(results, groups, None), len(results))


def held_out_cameras(elevation_deg: float, azimuths_deg: np.ndarray, cfg: SuiteConfig) -> VirtualCameras:
    """Static evaluation cameras at one elevation and the given azimuths (square frame, centred, no roll)."""
    n = len(azimuths_deg)
    const = torch.full((n,), 1.0, dtype=torch.float64)
    return VirtualCameras(const * math.radians(elevation_deg), torch.tensor(np.radians(azimuths_deg)), 0 * const,
                          const * cfg.focal, const, const, torch.zeros(n, 2, dtype=torch.float64))


def _elevations(cfg: SuiteConfig) -> tuple[float, ...]:
    return tuple(sorted({*cfg.elevations, cfg.control_elevation}))


def virtual_camera_part(model: WindowModel, files: SuiteFiles, cfg: SuiteConfig) -> PartResult:
    """(b): Human3.6M test subjects seen from held-out elevations (seeded azimuths)."""
    world = h36m.load_positions(files.h36m_3d)
    missing = [s for s in h36m.TEST_SUBJECTS if s not in world]
    if missing:
        raise DataError(f"{files.h36m_3d}: no subject {', '.join(missing)}")
    rng = np.random.default_rng(cfg.seed)
    results = []
    for subject in h36m.TEST_SUBJECTS:
        for action in sorted(world[subject]):
            points = torch.as_tensor(world[subject][action], dtype=torch.float64)
            for e, elevation in enumerate(_elevations(cfg)):
                azimuths = rng.uniform(-180, 180) + 360.0 * np.arange(cfg.azimuths) / cfg.azimuths
                cams = held_out_cameras(elevation, (azimuths + 180) % 360 - 180, cfg)
                n = cfg.azimuths
                pivot = points[:, 0].mean(0).expand(n, 3)
                up, forward = torch.tensor([[0.0, 0.0, 1.0]]).expand(n, 3), torch.tensor([[1.0, 0.0, 0.0]]).expand(n, 3)
                rotation, centre = camera_pose(cams, pivot, up.double(), forward.double(), torch.full((n,), cfg.distance))
                cam = to_camera(points.expand(n, *points.shape), rotation, centre)
                if (cam[..., 2] < 0.1).any():
                    raise DataError(f"{subject}/{action}: a held-out camera {cfg.distance:g} m away is inside the motion")
                keypoints = project_screen(cam, cams.focal).float().numpy()
                for k in range(n):
                    pred = predict_frames(model, keypoints[k], cfg)
                    target = cam[k, :: cfg.frame_stride].numpy()
                    results.append(SequenceErrors(subject, action, 10 * e + k, frame_errors(pred, target)))
    name = f"(b) h36m {','.join(h36m.TEST_SUBJECTS)}, held-out virtual cameras (seed {cfg.seed}, {cfg.azimuths} azimuths each)"
    levels = _elevations(cfg)
    held_out = {e for e, v in enumerate(levels) if v != cfg.control_elevation}
    groups = [(f"held-out ({', '.join(f'{v:+g}°' for v in cfg.elevations)})", lambda r: r.camera // 10 in held_out)] + [
        (f"  elevation {v:+g}°" + (" (control)" if v == cfg.control_elevation else ""), lambda r, e=e: r.camera // 10 == e)
        for e, v in enumerate(levels)
    ]
    return PartResult(name, _rows(results, groups, h36m.ACTIONS), len(results))


def detections_part(model: WindowModel, files: SuiteFiles, cfg: SuiteConfig) -> PartResult:
    """(c): Human3.6M test subjects with the Stacked Hourglass detections mapped to Human3.6M-17."""
    data = load_split("h36m", files.h36m_3d, files.h36m_detections, None, "test", None, require_3d=True, to_h36m=True)
    results = []
    for s in data.sequences:
        pred = predict_frames(model, s.keypoints, cfg)
        results.append(SequenceErrors(s.subject, s.action, s.camera, frame_errors(pred, s.targets[:: cfg.frame_stride])))
    name = f"(c) h36m {','.join(h36m.TEST_SUBJECTS)}, Stacked Hourglass detections (MPII -> H36M-17)"
    return PartResult(name, _rows(results, [("all", lambda r: True)], h36m.ACTIONS), len(results))


def run_suite(model: WindowModel, files: SuiteFiles, cfg: SuiteConfig,
              report: Callable[[PartResult], None] | None = None) -> list[PartResult]:
    """All three parts, each passed to ``report`` as soon as it is done."""
    mc = model.config
    if (mc.num_joints_in, mc.num_joints_out) != (17, 17):
        raise DataError(f"the generalisation suite lifts Human3.6M-17 2D to 17 joints; this model maps "
                        f"{mc.num_joints_in} -> {mc.num_joints_out}")
    cross_dataset_spec(cfg.cross_dataset)
    parts = []
    for part in (cross_dataset_part, virtual_camera_part, detections_part):
        parts.append(part(model, files, cfg))
        if report is not None:
            report(parts[-1])
    return parts


def format_part(part: PartResult) -> str:
    """The part's name, then one line per row: frames, MPJPE, P-MPJPE (mm)."""
    lines = [f"{part.name}: {part.sequences} sequences"]
    for label, row in part.rows.items():
        cells = " ".join(f"{row[m]:>8.1f}" if np.isfinite(row[m]) else f"{'-':>8}" for m in METRICS)
        lines.append(f"  {label:<28} {int(row['frames']):>8} {cells}")
    return "\n".join(lines)


def format_header() -> str:
    return f"  {'':<28} {'frames':>8} {'MPJPE':>8} {'P-MPJPE':>8}"
