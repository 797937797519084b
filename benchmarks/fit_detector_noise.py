"""Fit the detector-noise model shipped as ``src/liftformer/assets/detector_noise_sh.json``.

    python benchmarks/fit_detector_noise.py --data ../shared/data [--out src/liftformer/assets/detector_noise_sh.json]

Pairs, on the Human3.6M training subjects only (S1 S5 S6 S7 S8, every action and camera), the
Stacked Hourglass detections (MPII-16, mapped to H36M-17 exactly as ``--to-h36m`` maps them at
evaluation) with the ground-truth 2D projected from the 3D through the calibrated cameras
(distortion included, as ``liftformer prepare``), both in normalised screen coordinates, fits
:func:`liftformer.data.detector_noise_fit.fit_detector_noise` and prints a summary in pixels.
The JSON holds aggregate statistics only (no poses).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from liftformer.data import h36m
from liftformer.data.camera import normalize_screen_coordinates
from liftformer.data.detector_noise_fit import fit_detector_noise, person_scale
from liftformer.data.formats import load_positions_2d, trim_to_3d
from liftformer.data.layouts import mpii_to_h36m
from liftformer.data.skeleton import H36M_17

LICENCE = ("Aggregate error statistics of Stacked Hourglass (MPII-pretrained) detections against ground truth on "
           "Human3.6M S1 S5 S6 S7 S8; no poses. Human3.6M is licensed for non-commercial research only.")


def load_pairs(data: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(ground truth, detections) per (subject, action, camera) of the training subjects, H36M-17, normalised."""
    path_3d = os.path.join(data, "h36m", "data_3d_h36m_17j.npz")
    path_sh = os.path.join(data, "h36m", "data_2d_h36m_sh_pt_mpii.npz")
    positions = h36m.load_positions(path_3d)
    detections, _ = load_positions_2d(path_sh)
    cams = h36m.cameras()
    gts, dets = [], []
    for subject in h36m.TRAIN_SUBJECTS:
        for action, world in positions[subject].items():
            views = detections.get(subject, {}).get(action)
            if views is None:
                continue
            for index, (cam, kp) in enumerate(zip(cams[subject], views)):
                gt = cam.project(cam.world_to_camera(world.astype(np.float64)))
                det = mpii_to_h36m(trim_to_3d(kp, len(world), path_sh, f"{subject}/{action} camera {index}"))
                gts.append(normalize_screen_coordinates(gt, cam.width, cam.height))
                dets.append(normalize_screen_coordinates(det, cam.width, cam.height))
    return gts, dets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("LIFTFORMER_DATA", "../shared/data"))
    parser.add_argument("--out", default="src/liftformer/assets/detector_noise_sh.json")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.data, "h36m", "data_2d_h36m_sh_pt_mpii.npz")):
        print(f"no Human3.6M SH detections under {args.data}: skipping")
        return 0
    t0 = time.perf_counter()
    gts, dets = load_pairs(args.data)
    frames = sum(len(g) for g in gts)
    print(f"{len(gts)} sequences, {frames} frames (S1 S5 S6 S7 S8) loaded in {time.perf_counter() - t0:.0f} s", flush=True)
    model = fit_detector_noise(gts, dets, info={
        "source": "Stacked Hourglass pretrained on MPII (VideoPose3D sh_pt_mpii), mapped MPII-16 -> H36M-17 by "
                  "liftformer.data.layouts.mpii_to_h36m (spine = mid(pelvis, thorax), nose = mid(upper neck, head top), "
                  "head = head top)",
        "ground_truth": "3D projected through the calibrated cameras, distortion included",
        "subjects": list(h36m.TRAIN_SUBJECTS), "fps": h36m.FPS, "licence": LICENCE,
        "fitted_by": "benchmarks/fit_detector_noise.py",
    })
    model.save(args.out)
    # summary in pixels at the median person size (1000-px-wide images: 1 normalised unit = 500 px)
    s_px = float(np.median(np.concatenate([person_scale(g) for g in gts]))) * 500
    err_px = np.concatenate([np.linalg.norm(d - g, axis=-1) for g, d in zip(gts, dets)]) * 500
    sigma = np.sqrt((model.chol**2).sum((1, 2)) / 2) * s_px
    print(f"fitted in {time.perf_counter() - t0:.0f} s; wrote {args.out}; median person size s = {s_px:.1f} px")
    print("joint      raw median px  raw p95 px  offset px(at s)  inlier sigma px  rho   outlier %  run")
    for j, name in enumerate(H36M_17.joint_names):
        off = np.hypot(*model.bias[j, 2:]) * s_px
        print(f"{name:10s} {np.median(err_px[:, j]):13.1f} {np.percentile(err_px[:, j], 95):11.1f} {off:16.1f} "
              f"{sigma[j]:16.1f} {model.rho[j]:5.2f} {100 * model.outlier_rate[j]:9.2f} {model.outlier_length[j]:5.1f}")
    for (a, b), rate, length in zip(model.pairs, model.swap_rate, model.swap_length):
        print(f"swap {H36M_17.joint_names[a]}/{H36M_17.joint_names[b]}: {100 * rate:.2f} % of frames, mean run {length:.1f} frames")
    print(f"bone-relative offsets a (along): {np.round(model.bias[:, 0], 3).tolist()}")
    print(f"bone-relative offsets b (across): {np.round(model.bias[:, 1], 3).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
