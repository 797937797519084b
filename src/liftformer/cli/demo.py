"""``liftformer demo``: lift the bundled 2D sequence with the shipped model and render it, offline."""

from __future__ import annotations

import argparse
import dataclasses
from importlib import resources
from pathlib import Path

from liftformer.cli.lift import lift_options
from liftformer.cli.options import add_runtime_arguments, positive_int
from liftformer.errors import plural
from liftformer.inference.offline import lift_and_save
from liftformer.inference.options import torch_threads
from liftformer.inference.writers.plan import OutputPlan


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="lift the bundled synthetic walk and render it (no data, no network)")
    p.add_argument("--out-dir", default="liftformer_demo", help="where to write demo_3d.npz and demo.gif")
    p.add_argument("--frames", type=positive_int, default=None, help="use only the first N frames (quicker)")
    p.add_argument("--no-render", action="store_true", help="skip the GIF")
    add_runtime_arguments(p, checkpoint="shipped", device=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from liftformer.inference.sources.keypoints import read_keypoints

    source = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    out_dir = Path(args.out_dir)
    plan = OutputPlan(out_dir / "demo_3d.npz", render=None if args.no_render else out_dir / "demo.gif")
    plan.check({"input": source, "--checkpoint": args.checkpoint}, {"npz": "--out-dir", "render": "--out-dir (render)"})
    options = lift_options(args)
    if args.checkpoint:  # a model without a trajectory calibration is shown root-relative, as before
        from liftformer.inference.lifting.trajectory import load_calibration

        options = dataclasses.replace(options, trajectory=load_calibration(args.checkpoint) is not None)
    kp = read_keypoints(source)
    if args.frames:
        kp.pixels = kp.pixels[: args.frames]
        kp.scores = None if kp.scores is None else kp.scores[: args.frames]
    print(f"demo input: {source} ({plural(len(kp.pixels), 'frame')} of a synthetic walk, {kp.layout} layout)")
    with torch_threads(options.thread_count(stream=False)):
        return lift_and_save(kp, options, plan)
