"""``liftformer train --noise-model``: learned detector noise on the 2D inputs; bad values fail at parse time, in one line."""

from __future__ import annotations

import argparse

from liftformer.cli.options import probability
from liftformer.data.detector_noise import SHIPPED, DetectorNoise, load_detector_noise
from liftformer.data.pipeline import InputNoise, MixedNoise
from liftformer.data.skeleton import Skeleton
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


def check_noise_flags(args: argparse.Namespace) -> None:
    """One-line DataError when the noise flags contradict each other (checked before any data is read)."""
    if args.noise_model is None:
        if args.noise_fraction != 1.0:
            raise DataError("--noise-fraction needs --noise-model: add --noise-model sh or drop --noise-fraction")
    elif (args.noise_2d > 0 or args.outliers_2d > 0) and args.noise_fraction == 1.0:
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
