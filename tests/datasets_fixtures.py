"""Synthetic VideoPose3D-layout npz files, built in the test (never from a real dataset)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liftformer.data.h36m import JOINTS_32_TO_17
from liftformer.data.skeleton import H36M_17, HUMANEVA_15
from liftformer.data.synthetic import synthetic_motion


def world_motion(frames: int, seed: int, joints: int = 17) -> np.ndarray:
    """A synthetic person in a z-up world (metres), pelvis about 0.95 m above the floor."""
    body = synthetic_motion(frames, seed=seed)  # y up
    world = body[..., [0, 2, 1]] + np.array([0.0, 0.0, 0.95])
    if joints == 15:  # HumanEva order from the H36M-17 joints (head → joint 14)
        world = world[:, [0, 8, 11, 12, 13, 14, 15, 16, 4, 5, 6, 1, 2, 3, 10]]
    return world.astype(np.float32)


def save_npz(path: Path, **arrays) -> Path:
    np.savez(path, **{k: np.array(v, dtype=object) for k, v in arrays.items()})
    return path


def h36m_3d(path: Path, joints: int = 17, subjects=("S1", "S9"), frames=(30, 12)) -> Path:
    """positions_3d with two actions per subject; 32-joint files put the 17 in their slots."""
    data = {}
    for i, s in enumerate(subjects):
        data[s] = {}
        for j, (action, t) in enumerate(zip(("Walking", "Eating 1"), frames)):
            pos17 = world_motion(t, seed=10 * i + j)
            if joints == 32:
                pos = np.random.default_rng(i).normal(size=(t, 32, 3)).astype(np.float32)
                pos[:, list(JOINTS_32_TO_17)] = pos17
            else:
                pos = pos17
            data[s][action] = pos
    return save_npz(path, positions_3d=data)


def humaneva_files(tmp: Path) -> tuple[Path, Path]:
    """3D (world) and 2D (3 cameras, pixels, ground-truth-like) for Train/S1 and Validate/S1."""
    from liftformer.data.humaneva import cameras

    cams = cameras()
    data3, data2 = {}, {}
    for k, subject in enumerate(("Train/S1", "Validate/S1")):
        data3[subject], data2[subject] = {}, {}
        for j, (action, t) in enumerate((("Walking 1 chunk0", 20), ("Box 1 chunk2", 7), ("Gestures 1 chunk0", 9))):
            world = world_motion(t, seed=100 + 10 * k + j, joints=15)
            data3[subject][action] = world
            views = []
            for cam in cams["S1"]:
                cam_xyz = cam.world_to_camera(world)
                views.append((700.0 * cam_xyz[..., :2] / cam_xyz[..., 2:] + np.array([320.0, 240.0])).astype(np.float32))
            data2[subject][action] = views
    meta = {"layout_name": "humaneva15", "num_joints": 15,
            "keypoints_symmetry": [list(HUMANEVA_15.joints_left), list(HUMANEVA_15.joints_right)]}
    return (save_npz(tmp / "data_3d_humaneva15.npz", positions_3d=data3),
            save_npz(tmp / "data_2d_humaneva15_gt.npz", positions_2d=data2, metadata=meta))


H36M_META = {"layout_name": "h36m", "num_joints": 17,
             "keypoints_symmetry": [list(H36M_17.joints_left), list(H36M_17.joints_right)]}
