"""``liftformer demo``: lift the bundled 2D sequence with the shipped model and render it, offline."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from liftformer.cli.lift import lift_and_save


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("demo", help="lift the bundled synthetic walk and render it (no data, no network)")
    p.add_argument("--out-dir", default="liftformer_demo", help="where to write demo_3d.npz and demo.gif")
    p.add_argument("--frames", type=int, default=None, help="use only the first N frames (quicker)")
    p.add_argument("--checkpoint", default=None, help="a .safetensors model (default: the shipped model)")
    p.add_argument("--no-render", action="store_true", help="skip the GIF")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from liftformer.inference.keypoints import read_keypoints

    source = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    kp = read_keypoints(source)
    if args.frames:
        kp.pixels, kp.scores = kp.pixels[: args.frames], kp.scores[: args.frames]
    out_dir = Path(args.out_dir)
    lift_args = argparse.Namespace(
        out=str(out_dir / "demo_3d.npz"), json=False, csv=False,
        render=None if args.no_render else str(out_dir / "demo.gif"), checkpoint=args.checkpoint,
        layout=None, width=None, height=None, fps=None, min_score=0.3, max_gap=10, no_flip=False, batch_size=256,
    )
    print(f"demo input: {source} ({len(kp.pixels)} frames of a synthetic walk, {kp.layout} layout)")
    return lift_and_save(kp, lift_args)
