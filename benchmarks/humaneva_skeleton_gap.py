#!/usr/bin/env python3
"""How much of a Human3.6M model's HumanEva-I error is the two skeletons' joint definitions? (issue 11)

    python benchmarks/humaneva_skeleton_gap.py --checkpoint src/liftformer/weights/liftformer_h36m_small.safetensors \
        --data-root ../shared/data [--stride 4]

A diagnosis, not a result to report as the suite's: it fits, on HumanEva-I's *Train* subjects, one constant
offset per shared joint in a body frame of the prediction (origin the pelvis, x from the right to the left
hip, y from the pelvis to the thorax, made orthogonal), then adds it to the predictions on the *Validate*
subjects (the suite's part (a)) and scores both. What the offsets remove is error a fixed re-definition of
the joints explains; what stays is the rest (motion, people, depth).
"""

from __future__ import annotations

import argparse

import numpy as np

from liftformer.data.datasets import get_dataset, load_split
from liftformer.evaluation.generalisation import SuiteConfig, find_files, frame_errors, predict_frames
from liftformer.inference.lifting.pretrained import load_model

PELVIS, RHIP, LHIP, THORAX = 0, 1, 4, 8  # H36M-17 indices in the prediction


def body_frames(pose: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations whose columns are the body axes of (T, 17, 3) H36M-17 poses."""
    x = pose[:, LHIP] - pose[:, RHIP]
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    y = pose[:, THORAX] - pose[:, PELVIS]
    y -= (y * x).sum(-1, keepdims=True) * x
    y /= np.linalg.norm(y, axis=-1, keepdims=True)
    return np.stack([x, y, np.cross(x, y)], -1)


def predictions(model, split: str, files, cfg: SuiteConfig) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(action, root-aligned prediction on the shared joints, the same target, body frames) per sequence."""
    spec = get_dataset(cfg.cross_dataset)
    own, ours = (list(j) for j in zip(*spec.h36m_pairs))
    data = load_split(spec.name, files.cross_3d, files.cross_2d, None, split, None, require_3d=True)
    out = []
    for s in data.sequences:
        pred = predict_frames(model, spec.to_h36m(s.keypoints), cfg)
        target = s.targets[:: cfg.frame_stride].astype(np.float64)
        pred, target = pred - pred[:, :1], target - target[:, :1]
        out.append((s.action.split(" ")[0], pred[:, ours], target[:, own], body_frames(pred)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--data-root", default="../shared/data")
    p.add_argument("--stride", type=int, default=4, help="score every k-th frame")
    args = p.parse_args()
    model = load_model(args.checkpoint)
    files = find_files(args.data_root)
    cfg = SuiteConfig(frame_stride=args.stride)
    train, test = predictions(model, "train", files, cfg), predictions(model, "test", files, cfg)
    local = np.concatenate([np.einsum("tji,tkj->tki", r, t - q) for _, q, t, r in train])  # (T, K, 3) in body axes
    offset = local.mean(0)
    print(f"offsets fitted on {len(local)} Train frames; per joint (mm, body axes x y z):")
    print("  " + "  ".join(f"{np.round(1000 * o).astype(int).tolist()}" for o in offset))
    for name, fix in (("as predicted", False), ("with fitted offsets", True)):
        by_action: dict[str, list[np.ndarray]] = {}
        for action, q, t, r in test:
            q2 = q + np.einsum("tij,kj->tki", r, offset) if fix else q
            by_action.setdefault(action, []).append(frame_errors(q2, t)["P-MPJPE"])
        means = {a: float(np.concatenate(v).mean()) for a, v in sorted(by_action.items())}
        print(f"{name:>20}: P-MPJPE {np.mean(list(means.values())):.1f} mm (mean over actions; "
              + ", ".join(f"{a} {m:.1f}" for a, m in means.items()) + ")")


if __name__ == "__main__":
    main()
