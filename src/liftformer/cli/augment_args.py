"""Virtual-camera augmentation flags of ``liftformer train``: out-of-range values fail at parse time, in one line."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from liftformer.cli.options import non_negative_float, probability, swing_degrees
from liftformer.data.body_shape import BodyShapeAugment, BoneScales
from liftformer.data.skeleton import Skeleton
from liftformer.data.virtual_camera import CameraRanges, VirtualCameraAugment
from liftformer.errors import DataError


def bounded_range(low: float, high: float, unit: str) -> Callable[[str], tuple[float, float]]:
    """An argparse type for ``LO,HI`` with ``low <= LO <= HI <= high``."""
    what = f"LO,HI with {low:g} <= LO <= HI <= {high:g} ({unit})"

    def parse(text: str) -> tuple[float, float]:
        try:
            lo, hi = (float(v) for v in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and low <= lo <= hi <= high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return lo, hi

    parse.__name__ = f"range {low:g}..{high:g}"
    return parse


def add_augment_arguments(parser: argparse.ArgumentParser) -> None:
    """``--virtual-cameras P`` and the ``--vc-*`` ranges of the random cameras (defaults: :class:`CameraRanges`)."""
    d = CameraRanges()
    g = parser.add_argument_group("virtual-camera augmentation (2D input in the 3D joint layout)")
    g.add_argument("--virtual-cameras", type=probability, default=0.0, metavar="P",
                   help="re-project this fraction of training windows through random cameras (default 0: off)")

    def pair(flag: str, default: tuple[float, float], low: float, high: float, unit: str, text: str) -> None:
        g.add_argument(flag, type=bounded_range(low, high, unit), default=default, metavar="LO,HI",
                       help=f"{text} (default {default[0]:g},{default[1]:g})")

    pair("--vc-elevation", d.elevation, -89, 89, "degrees", "camera elevation seen from the person's root; > 0: from above")
    pair("--vc-azimuth", d.azimuth, -180, 180, "degrees", "azimuth around the person; 0: the dataset camera's direction")
    pair("--vc-roll", d.roll, -90, 90, "degrees", "roll about the optical axis")
    pair("--vc-fov", d.fov, 1, 170, "degrees", "field of view across the frame's long side")
    pair("--vc-fill", d.fill, 0.01, 1, "fraction", "the person's extent over the frame's short side")
    pair("--vc-aspect", d.aspect, 1, 4, "long/short side", "frame aspect ratio")
    g.add_argument("--vc-portrait", type=probability, default=d.portrait, metavar="P",
                   help=f"probability of a portrait frame (default {d.portrait:g})")
    g.add_argument("--vc-position", type=probability, default=d.position, metavar="F",
                   help=f"how far the root may sit off-centre, as a fraction of the free margin (default {d.position:g})")
    b = BoneScales()
    pair("--vc-bones", b.bones, 0.1, 3, "factor", "bone-length factors of the re-projected bodies: limbs, spine, "
         "neck, head (left and right alike, one body per window; 1,1: off)")
    pair("--vc-girdle", b.girdle, 0.1, 3, "factor", "length factors of the pelvis-to-hip and thorax-to-shoulder "
         "bones, where joint definitions differ most between datasets and detectors (1,1: off)")
    g.add_argument("--vc-swing", type=swing_degrees, default=0.0, metavar="DEG",
                   help="turn each limb of the re-projected bodies about its hip or shoulder by a random rotation of up to "
                   "DEG degrees, one per window: poses beyond the dataset's, e.g. kicks (default 0: off)")
    g.add_argument("--vc-clearance", type=non_negative_float, default=d.clearance, metavar="M",
                   help=f"metres kept between the camera and the person (default {d.clearance:g})")


def check_flags(args: argparse.Namespace) -> None:
    """One-line DataError for body-shape ranges without virtual cameras (checked before any data is read)."""
    given = [flag for flag, off in (("--vc-bones", args.vc_bones == (1.0, 1.0)), ("--vc-girdle", args.vc_girdle == (1.0, 1.0)),
                                    ("--vc-swing", args.vc_swing == 0)) if not off]
    if args.virtual_cameras == 0 and given:
        raise DataError(f"{'/'.join(given)} re-pose{'s' if len(given) == 1 else ''} the virtual-camera windows: add --virtual-cameras P")


def from_args(args: argparse.Namespace, skeleton: Skeleton) -> VirtualCameraAugment | None:
    """The augmentation the flags ask for (bodies of ``skeleton``), or None when ``--virtual-cameras`` is 0."""
    check_flags(args)
    if args.virtual_cameras == 0:
        return None
    scales = BoneScales(args.vc_bones, args.vc_girdle)
    body = None if scales.is_identity and args.vc_swing == 0 else BodyShapeAugment(scales, skeleton, args.vc_swing)
    ranges = CameraRanges(
        elevation=args.vc_elevation, azimuth=args.vc_azimuth, roll=args.vc_roll, fov=args.vc_fov, fill=args.vc_fill,
        aspect=args.vc_aspect, portrait=args.vc_portrait, position=args.vc_position, clearance=args.vc_clearance,
    )
    return VirtualCameraAugment(args.virtual_cameras, ranges, body)
