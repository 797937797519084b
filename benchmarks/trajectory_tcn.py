#!/usr/bin/env python3
"""VideoPose3D's trajectory baseline: a temporal convolutional network that regresses the root's camera-space
position from the 2D window, trained on Human3.6M S1 S5 S6 S7 S8 (GT 2D, flip augmentation), scored as MRPE on
S9 + S11 beside the package's geometric trajectory (``benchmarks/trajectory.py``).

    python benchmarks/trajectory_tcn.py --data-3d ../shared/data/h36m/data_3d_h36m_17j.npz \\
        --gt-2d .cache/data_2d_h36m_gt.npz --minutes 20 --out runs/trajectory_tcn

The package's own TCN (``liftformer.model.tcn``: widths 3,3,3, n = 27) with one output joint, the root, in
camera coordinates (metres), trained by the package's ``Trainer`` for a wall-clock budget with its MPJPE
loss (VideoPose3D weights the trajectory loss by 1 / depth; this one does not) and VideoPose3D's
exponential schedule. Its input is normalised screen coordinates, so it learns Human3.6M's cameras: it is a
baseline for Human3.6M, not a method for users' cameras.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from collections import defaultdict

import numpy as np
import torch

from liftformer.data.datasets import load_split
from liftformer.data.pipeline import WindowDataset
from liftformer.data.sequences import action_group
from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.evaluation.trajectory import root_errors
from liftformer.inference.lifting import lift_sequence
from liftformer.model import TCNConfig
from liftformer.training.trainer import TrainConfig, Trainer

ROOT = Skeleton("root", ("root",), (-1,), (), ())  # one joint: a horizontal flip negates its x
TRAIN, TEST = ("S1", "S5", "S6", "S7", "S8"), ("S9", "S11")


def root_sequences(path_3d: str, path_2d: str, subjects: tuple[str, ...]) -> list:
    """Each sequence with its target replaced by the root's camera-space path (T, 1, 3)."""
    split = load_split("h36m", path_3d, path_2d, subjects, "test", None, require_3d=True)
    return [dataclasses.replace(s, positions_3d=s.trajectory[:, None].astype(np.float32)) for s in split.sequences]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-3d", required=True)
    p.add_argument("--gt-2d", required=True)
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--channels", type=int, default=256)
    p.add_argument("--out", default="runs/trajectory_tcn")
    args = p.parse_args()
    torch.manual_seed(0)
    t0 = time.perf_counter()
    config = TCNConfig(num_joints_in=17, num_joints_out=1, filter_widths=(3, 3, 3), channels=args.channels)
    train = WindowDataset(root_sequences(args.data_3d, args.gt_2d, TRAIN), config.receptive_field, flip=(H36M_17, ROOT))
    test = root_sequences(args.data_3d, args.gt_2d, TEST)
    val = WindowDataset(test, config.receptive_field, downsample=50)
    cfg = TrainConfig(epochs=1000, batch_size=1024, schedule="exponential", lr=1e-3, lr_decay=0.95, max_minutes=args.minutes,
                      seed=0, micro_batches=1)
    trainer = Trainer(config, cfg, train, args.out, val, progress=False)
    trainer.fit()
    model = trainer.model.eval()
    by_action: dict[str, list[np.ndarray]] = defaultdict(list)
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    with torch.inference_mode():
        for s in test:
            root = lift_sequence(model, s.keypoints)[:, 0].astype(np.float64)
            errors = root_errors(root, s.trajectory.astype(np.float64))
            for k, v in errors.items():
                parts[k].append(v)
            by_action[action_group(s.action)].append(errors["mrpe"])
    mean = {k: float(np.concatenate(v).mean()) for k, v in parts.items()}
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; TCN {config.describe()}, "
          f"{trainer.model.num_parameters() / 1e6:.2f}M parameters, {trainer.epoch} epochs in {args.minutes:g} min of training")
    print(f"S9 + S11, GT 2D, {sum(len(v) for v in parts['mrpe'])} frames: MRPE {1000 * mean['mrpe']:.1f} mm "
          f"(x {1000 * mean['x']:.1f}, y {1000 * mean['y']:.1f}, z {1000 * mean['z']:.1f}; depth error {mean['depth_pct']:.1f}%)")
    print("MRPE by action (mm): " + ", ".join(f"{a} {1000 * np.concatenate(v).mean():.0f}" for a, v in sorted(by_action.items())))
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
