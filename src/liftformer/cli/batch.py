"""``liftformer batch``: many videos or keypoint files, each lifted exactly as ``liftformer lift`` lifts it."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path

from liftformer.cli.lift import add_lift_arguments, lift_options
from liftformer.cli.options import positive_int
from liftformer.errors import DataError

OUTPUT_FLAGS = {"render": "a side-by-side render, NAME_3d.mp4", "bvh": "the motion as BVH, NAME_3d.bvh",
                "trc": "OpenSim's markers, NAME_3d.trc", "angles": "the joint angles, NAME_angles.csv",
                "angles_plot": "their plot, NAME_angles.png"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("batch", conflict_handler="resolve",
                              help="lift many videos or keypoint files (folders, lists) with lift's flags; a manifest, resumable",
                              description="Each input goes through exactly liftformer lift with the same flags; its files go under "
                              "--out at its path relative to the inputs' common folder. DIR/manifest.csv has a row per input. "
                              "Exit 0 when every input is ok (or skipped: done by an earlier run), 1 when any failed, 130 on Ctrl-C.")
    add_lift_arguments(p, stream=False)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="videos, keypoint files, folders (searched recursively) or .txt "
                   "files listing one path a line")
    p.add_argument("--out", required=True, metavar="DIR", help="the output folder (not one that holds an input)")
    for flag, what in OUTPUT_FLAGS.items():
        p.add_argument(f"--{flag.replace('_', '-')}", action="store_true", help=f"also write {what}")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="inputs lifted at once, each in its own process (default: from the cores and memory, said on stderr)")
    p.add_argument("--redo", action="store_true", help="lift every input again, even those an earlier run completed")
    p.add_argument("--ray", default=None, metavar="ADDRESS|auto",
                   help="run on an existing Ray cluster (host:port of its head, or auto), one task per input, retried when a "
                   "worker is lost; --out must be a path every node sees (needs the [ray] extra)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from liftformer import __version__
    from liftformer.inference import batch as job
    from liftformer.inference.lifting.pretrained import shipped_weights_path

    if args.ray and args.workers:
        raise DataError("--workers and --ray: a Ray cluster runs as many inputs at once as it has CPUs: drop --workers")
    job.check_out(Path(args.out), args.inputs)
    files = job.collect_inputs(args.inputs)
    kinds = [k for k in job.KINDS if getattr(args, k, False)]
    out = Path(args.out)
    tasks = job.plan_tasks(files, out, kinds)
    options = lift_options(args)
    # the intra-op threads lift alone would use here, given to every worker (Ray sets 1 for a task of one CPU): a
    # different count sums in another order, and the poses would differ in their last bit
    options = dataclasses.replace(options, threads=options.thread_count(False))
    weights = Path(options.checkpoint) if options.checkpoint else shipped_weights_path(False)
    model = f"{weights.name}:{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}" if weights.is_file() else weights.name
    workers = args.workers
    if workers is None and not args.ray:
        workers, why = job.default_workers()
        workers = min(workers, len(tasks))
        print(f"batch: {workers} worker{'s' * (workers > 1)} ({why}; --workers N to choose)", file=sys.stderr)
    bar = tqdm(total=len(tasks), desc="inputs", unit="input", file=sys.stderr, disable=None)

    def step(row) -> None:
        bar.update(1)
        bar.set_postfix_str(f"{Path(row.input).name}: {row.status}")

    try:
        if args.ray:
            rows = job.run_batch_ray(tasks, options, out, args.ray, args.redo, (__version__, model), step)
        else:
            rows = job.run_batch(tasks, options, out, workers or 1, args.redo, (__version__, model), step)
    except KeyboardInterrupt:
        bar.close()
        print(f"batch: interrupted; {out / 'manifest.csv'} holds the inputs that finished (run again to go on)", file=sys.stderr)
        return 130
    bar.close()
    print(f"wrote {out / 'manifest.csv'}")
    job.report(rows)
    return 1 if any(r.status == "failed" for r in rows) else 0
