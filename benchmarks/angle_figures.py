#!/usr/bin/env python3
"""The documentation's angle pictures: the conventions drawn on a body, and the bundled walk's angle curves.

    python benchmarks/angle_figures.py [--out docs]     # writes angle_conventions.png and angles_walk.png

The conventions are drawn from a body posed by hand (side and front views, each angle measured on it by
:func:`liftformer.inference.lifting.angles.body_angles`, so the picture cannot disagree with the code); the curves
are ``liftformer lift`` of the bundled synthetic walk with ``--angles-plot``.
"""

from __future__ import annotations

import argparse
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

from liftformer.cli.main import main as cli
from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting.angles import body_angles


def posed() -> np.ndarray:
    """(17, 3) a body facing +z, y up: the right thigh 40 forward of vertical (55 against the trunk, which leans 15
    forward and 8 to the right) and the knee 60, the left arm raised out 25 and forward 70, the right elbow 80."""
    p = np.zeros((17, 3))
    p[0] = [0, 1.0, 0]
    p[1], p[4] = [-0.12, 1.0, 0], [0.12, 1.0, 0]
    p[2] = p[1] + 0.45 * _forward(40)
    p[3] = p[2] + 0.45 * _forward(40 - 60)
    p[5], p[6] = p[4] + [0, -0.45, 0], p[4] + [0, -0.9, 0]
    lean = _about([0, 0, 1], 8) @ _about([1, 0, 0], 15)  # forward (+z) 15, then to the right (-x) 8
    top = {7: [0, 0.25, 0], 8: [0, 0.5, 0], 9: [0, 0.62, 0.05], 10: [0, 0.72, 0], 14: [-0.2, 0.48, 0], 11: [0.2, 0.48, 0]}
    for j, v in top.items():
        p[j] = p[0] + lean @ v
    p[15] = p[14] + lean @ [0, -0.3, 0]
    p[16] = p[15] + 0.25 * (lean @ _forward(80))
    arm = lean @ _about([1, 0, 0], -70) @ _about([0, 0, 1], 25) @ [0.0, -1.0, 0.0]  # out to the left (+x) 25, forward 70
    p[12], p[13] = p[11] + 0.3 * arm, p[11] + 0.55 * arm
    return p


def _forward(degrees: float) -> np.ndarray:
    """A unit limb from straight down (-y) turned ``degrees`` toward forward (+z)."""
    r = np.radians(degrees)
    return np.array([0.0, -np.cos(r), np.sin(r)])


def _about(axis: list[float], degrees: float) -> np.ndarray:
    """The rotation by ``degrees`` about ``axis`` taking +y toward the axis's right-hand turn (Rodrigues): about +x,
    up (+y) tips toward +z (forward); about +z, up tips toward -x (the person's right)."""
    a = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    r = np.radians(degrees)
    return np.eye(3) + np.sin(r) * k + (1 - np.cos(r)) * k @ k


def conventions(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = posed()
    a = {name: float(v[0]) for name, v in body_angles(p[None]).items()}
    fig, (side, front) = plt.subplots(1, 2, figsize=(10.5, 5.6))
    for ax, (h, v), title in ((side, (2, 1), "from the person's right (forward →)"), (front, (0, 1), "from the front (the camera)")):
        for child, parent in enumerate(H36M_17.parents):
            if parent >= 0:
                colour = "tab:red" if child in H36M_17.joints_right else "tab:blue" if child in H36M_17.joints_left else "0.3"
                ax.plot(p[[child, parent], h], p[[child, parent], v], color=colour, lw=3)  # x: right as the camera sees it
        ax.axhline(0.1, color="0.7", lw=1)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    notes_side = [f"hip flexion (right) {a['hip_flexion_right']:.0f}°: the thigh from straight down, knee forward +",
                  f"knee flexion (right) {a['knee_flexion_right']:.0f}°: 0 straight, bent +",
                  f"elbow flexion (right) {a['elbow_flexion_right']:.0f}°", f"trunk flexion {a['trunk_flexion']:.0f}°: leaning forward +",
                  f"shoulder flexion (left) {a['shoulder_flexion_left']:.0f}°: arm forward +",
                  f"thigh segment (right) {a['thigh_right']:.0f}°: anticlockwise from the forward horizontal"]
    notes_front = [f"shoulder abduction (left) {a['shoulder_abduction_left']:.0f}°: out of the sagittal plane, outward +",
                   f"trunk lateral lean {a['trunk_lateral_lean']:.0f}°: to the right +",
                   "hip rotation: internal +, only with the knee bent ≥ 20°", "pelvis rotation: 0 facing the camera, to the left +",
                   "every joint angle 0 at upright standing, arms hanging", "no ankle or wrist angle: no feet or hands in H36M-17"]
    side.text(0.0, -0.02, "\n".join(notes_side), transform=side.transAxes, fontsize=7.5, va="top")
    front.text(0.0, -0.02, "\n".join(notes_front), transform=front.transAxes, fontsize=7.5, va="top")
    fig.suptitle("liftformer's angle conventions (degrees; red: right side, blue: left)", fontsize=11)
    fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="docs")
    out = Path(p.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    conventions(out / "angle_conventions.png")
    walk = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    with tempfile.TemporaryDirectory() as folder:
        cli(["lift", walk, "--out", f"{folder}/w.npz", "--angles-plot", str(out / "angles_walk.png")])
    print(f"wrote {out / 'angle_conventions.png'} and {out / 'angles_walk.png'}")


if __name__ == "__main__":
    main()
