#!/usr/bin/env python3
"""The lifter's own angle error, where the truth is motion capture: Human3.6M's test subjects.

angle_yardstick.py measures lifted angles on real footage against a 4-camera triangulation of detections, a
reference with errors of its own. Here the reference is Human3.6M's motion capture (S9 and S11, 58 of the 59
standard test sequences, every camera), lifted at its 50 fps by the shipped model with flip from the 2D file given
(ground truth projected, or real detections) and scored on one frame in ``--step``: the knee and elbow flexion as
three-point angles (:mod:`liftformer.inference.lifting.angles`' definition: 180 minus the angle at the joint, 0
straight), RMSE and bias per angle, and the bias where the true joint is nearly straight (under 30 degrees), where
a lifter's prior toward the training set's mean pose shows as bending.

    liftformer prepare h36m --from-3d ../shared/data/h36m/data_3d_h36m_17j.npz --out .cache/data_2d_h36m_gt.npz
    python benchmarks/angles_h36m.py .cache/data_2d_h36m_gt.npz ../shared/data/h36m/data_2d_h36m_sh_pt_mpii.npz
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import numpy as np
import torch

from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting.pretrained import load_model
from liftformer.inference.lifting.sequence import lift_sequence

JOINTS = {"knee_flexion_right": (1, 2, 3), "knee_flexion_left": (4, 5, 6), "elbow_flexion_right": (14, 15, 16),
          "elbow_flexion_left": (11, 12, 13)}  # H36M-17 (hip, knee, ankle), (shoulder, elbow, wrist)
STRAIGHT = 30.0  # degrees of true flexion under which a joint counts as nearly straight


def flexion(poses: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """(T,) 180 minus the angle at joint ``b`` between ``a`` and ``c``, degrees."""
    u, v = poses[:, a] - poses[:, b], poses[:, c] - poses[:, b]
    cos = np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def main() -> None:
    from liftformer.data.datasets import load_split

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("two_d", nargs="+", type=Path, help="Human3.6M 2D files (VideoPose3D layout)")
    p.add_argument("--data-3d", type=Path, default=Path(os.environ.get("LIFTFORMER_DATA", "../shared/data"), "h36m/data_3d_h36m_17j.npz"))
    p.add_argument("--step", type=int, default=4, help="one frame in STEP")
    args = p.parse_args()
    missing = [f for f in [args.data_3d, *args.two_d] if not f.is_file()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} absent (see the docstring)")
        return
    torch.set_num_threads(os.cpu_count() or 1)
    model = load_model(None)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; Human3.6M S9 S11, 4 cameras, one frame "
          f"in {args.step}; the shipped model with flip; degrees, lifted minus motion capture\n")
    print("| 2D | frames | " + " | ".join(f"{n}: RMSE / bias / bias if straight" for n in JOINTS) + " |\n|" + " --- |" * (2 + len(JOINTS)))
    for path in args.two_d:
        split = load_split("h36m", str(args.data_3d), str(path), None, "test", None, require_3d=True, to_h36m=True)
        lifted: dict[str, list[np.ndarray]] = {n: [] for n in JOINTS}
        truth: dict[str, list[np.ndarray]] = {n: [] for n in JOINTS}
        for s in split.sequences:
            assert s.positions_3d is not None
            poses = lift_sequence(model, s.keypoints, batch_size=1024, flip=(H36M_17, H36M_17))[:: args.step]  # at 50 fps
            for name, joints in JOINTS.items():
                lifted[name].append(flexion(poses, *joints))
                truth[name].append(flexion(s.positions_3d[:: args.step], *joints))
        cells = []
        for name in JOINTS:
            mine, true = np.concatenate(lifted[name]), np.concatenate(truth[name])
            d = mine - true
            cells.append(f"{np.sqrt(np.mean(d**2)):.1f} / {d.mean():+.1f} / {d[true < STRAIGHT].mean():+.1f}")
        print(f"| {path.name} | {sum(len(x) for x in lifted['knee_flexion_right'])} | " + " | ".join(cells) + " |")
        means = ", ".join(f"{name} {np.concatenate(truth[name]).mean():.1f}" for name in JOINTS)
        print(f"  (mean true flexion: {means})")


if __name__ == "__main__":
    main()
