"""``liftformer train --noise-model``: learned detector noise on the 2D inputs; bad values fail at parse time, in one line."""

from __future__ import annotations

import argparse
import os

from liftformer.cli.options import probability
from liftformer.data.datasets import LoadedSplit, load_split, pair_detections
from liftformer.data.detector_noise import SHIPPED, DetectorNoise, load_detector_noise
from liftformer.data.pipeline import InputNoise, MixedNoise, RealDetections
from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.errors import DataError


def noise_model(text: str) -> DetectorNoise:
    """An argparse type: a shipped model name or a detector-noise JSON file, loaded and validated."""
    if text not in SHIPPED and not text.lower().endswith(".json"):
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(SHIPPED)} or a detector-noise .json file, got {text!r}")
    try:
        return load_detector_noise(text)
    except DataError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


noise_model.__name__ = "noise model"


def add_noise_model_argument(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--noise-model", type=noise_model, default=None, metavar="{" + ",".join(SHIPPED) + "}|FILE.json",
        help="detector-like 2D noise learned from real detections (sh: Stacked Hourglass on Human3.6M S1-S8, "
             "H36M-17 inputs): per-joint offsets and errors, outliers, left/right swaps",
    )
    group.add_argument(
        "--noise-fraction", type=probability, default=1.0, metavar="P",
        help="apply --noise-model to this fraction of the windows; the others get --noise-2d/--outliers-2d "
             "or stay clean (default 1: every window)",
    )
    group.add_argument(
        "--real-2d", default=None, metavar="FILE.npz",
        help="a real detector's 2D of the same sequences (e.g. data_2d_h36m_sh_pt_mpii.npz, converted to the "
             "training layout like --to-h36m), fed instead of the augmented input on --real-fraction of the windows",
    )
    group.add_argument(
        "--real-fraction", type=probability, default=None, metavar="P",
        help="the fraction of training windows given --real-2d's detections (default with --real-2d: 0.3)",
    )


def check_noise_flags(args: argparse.Namespace) -> None:
    """One-line DataError when the noise flags contradict each other (checked before any data is read)."""
    if args.noise_model is None and args.noise_fraction != 1.0:
        raise DataError("--noise-fraction needs --noise-model: add --noise-model sh or drop --noise-fraction")
    if args.real_fraction is not None and args.real_2d is None:
        raise DataError("--real-fraction needs --real-2d: add --real-2d FILE.npz or drop --real-fraction")
    if args.real_2d is not None and not os.path.isfile(args.real_2d):
        raise DataError(f"--real-2d {args.real_2d}: no such file: give a VideoPose3D 2D .npz of the training sequences")
    if args.noise_model is None:
        return
    if (args.noise_2d > 0 or args.outliers_2d > 0) and args.noise_fraction == 1.0:
        raise DataError("--noise-model replaces the hand-set jitter: drop --noise-2d/--outliers-2d, or give the "
                        "jitter to the other windows with --noise-fraction below 1")


def check_noise_model(args: argparse.Namespace, skeleton: Skeleton) -> DetectorNoise | MixedNoise | None:
    """The learned noise of a run (``--noise-model``, ``--noise-fraction``), checked against the 2D input layout."""
    check_noise_flags(args)
    model: DetectorNoise | None = args.noise_model
    if model is None:
        return None
    fitted = str(model.info.get("skeleton", ""))
    if model.num_joints != skeleton.num_joints or (fitted and fitted != skeleton.name):
        raise DataError(
            f"--noise-model is fitted for {fitted or model.num_joints} 2D inputs, but the training 2D is "
            f"{skeleton.name} ({skeleton.num_joints} joints): train on H36M-17 2D (e.g. GT 2D, or --to-h36m)"
        )
    if args.noise_fraction == 1.0:
        return model
    jitter = args.noise_2d > 0 or args.outliers_2d > 0
    return MixedNoise(model, args.noise_fraction, InputNoise(args.noise_2d, args.outliers_2d) if jitter else None)


def real_detections(args: argparse.Namespace, train: LoadedSplit) -> RealDetections | None:
    """``--real-2d``'s detections of the training split (converted to its layout), before any ``--subset``."""
    if args.real_2d is None:
        return None
    to_h36m = args.to_h36m or train.input_skeleton == H36M_17
    real = load_split(args.dataset, args.data_3d, args.real_2d, args.train_subjects, "train", args.actions,
                      require_3d=True, to_h36m=to_h36m)
    keypoints = pair_detections(train.sequences, real, train.input_skeleton, args.real_2d)
    return RealDetections(keypoints, 0.3 if args.real_fraction is None else args.real_fraction)
