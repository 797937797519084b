"""``liftformer bench``: measure model throughput on this machine; ``--suite`` for the full table."""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

import torch

from liftformer.cli.model_args import add_model_arguments, config_from_args
from liftformer.cli.options import add_runtime_arguments, positive_int
from liftformer.fileio import atomic_write_text, check_outputs
from liftformer.inference.writers.export import quantize_int8
from liftformer.model import LiftFormer, LiftFormerConfig
from liftformer.timing import (
    compare_inference,
    compare_step_levers,
    gemm_peak_gflops,
    gemm_reference,
    gflops,
    hardware_description,
    measure_model,
    measure_pipeline,
    measure_sequence_inference,
    measure_training_end_to_end,
    mfu,
    peak_memory_mb,
    synthetic_window_dataset,
    time_calls,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure training and inference throughput (windows/s)")
    add_model_arguments(p)
    add_runtime_arguments(p, batch_size=256, batch_help="windows per timed step", bf16=True)
    p.add_argument("--repeats", type=positive_int, default=5, help="timed runs; the median is reported")
    p.add_argument("--sequence-frames", type=positive_int, default=2048, help="frames of the whole-sequence inference timing")
    p.add_argument("--suite", action="store_true", help="the full suite: receptive fields 27/81/243, plain-encoder "
                   "baseline, int8, data pipeline, end-to-end training, long-sequence inference (synthetic data, minutes)")
    p.add_argument("--levers", action="store_true", help="also time the training step before and after the efficiency levers "
                   "(loss read every step vs once per call; Adam as built now), alternately, as ratios")
    p.add_argument("--compile", action="store_true", help="with --levers: also the compiled step (model + optimiser step)")
    p.add_argument("--markdown", default=None, help="with --suite: append the results as a Markdown section to this file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        check_outputs({"--markdown": args.markdown})
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = config_from_args(args)
    if args.suite:
        if not isinstance(cfg, LiftFormerConfig):
            raise ValueError(f"--suite measures the LiftFormer; drop --arch {args.arch} or --suite")
        return run_suite(args, cfg)
    dtype = "bf16 autocast" if args.bf16 else "fp32"
    print(f"hardware: {hardware_description()}")
    print(f"model: {cfg.describe()}; batch {args.batch_size}; {dtype}; median of {args.repeats} runs")
    results = measure_model(
        cfg, args.batch_size, args.repeats, args.device, torch.bfloat16 if args.bf16 else None
    )
    reference, gemm = gemm_reference(args.device)
    print(f"GEMM {gemm} (torch.mm, {args.device}, timed now): {reference / 1e9:.1f} GFLOP/s, the MFU denominator")
    print(f"{'workload':28s} {'windows/s':>10s} {'(min-max)':>16s} {'GFLOP/s':>8s} {'MFU':>6s}")
    for m, training in zip(results, (True, False)):
        lo, hi = m.spread
        rate = m.median_rate
        print(f"{m.name:28s} {rate:10.1f} {f'({lo:.1f}-{hi:.1f})':>16s} {gflops(cfg, rate, training):8.1f} "
              f"{100 * mfu(cfg, rate, training, reference):5.1f}%")
    print("MFU: model FLOP/s (2 x MACs per window of `liftformer info`, x3 for a training step) / the GEMM's FLOP/s")
    if args.levers:
        levers = compare_step_levers(cfg, args.batch_size, repeats=args.repeats, compile=args.compile, device=args.device)
        base = levers["before"].median_rate
        for name, m in levers.items():
            print(f"train step, {name:9s} {m.median_rate:10.1f} windows/s  {m.median_rate / base:5.3f}x before  "
                  f"MFU {100 * mfu(cfg, m.median_rate, True, reference):5.1f}%  (10 steps per call, alternated)")
    if args.device == "cpu" and not args.bf16:
        frames = args.sequence_frames
        seq = measure_sequence_inference(cfg, frames=frames, batch_size=args.batch_size)
        print(f"whole-sequence inference: {seq.median_rate:.1f} frames/s ({frames} frames, lift_sequence, no flip; "
              f"{3000 / seq.median_rate:.1f} s per minute of 50 fps video)")
    return 0


def run_suite(args: argparse.Namespace, base: LiftFormerConfig) -> int:
    """Every figure of the benchmark issue that a CPU can give, as one Markdown table."""
    rows: list[tuple[str, str, str]] = []  # (workload, result, conditions)
    peak = gemm_peak_gflops()
    rows.append(("fp32 GEMM 2048³ (torch.mm)", f"{peak:.1f} GFLOP/s", "machine ceiling"))
    train_batch = {27: 64, 81: 32, 243: 8}
    for n in (27, 81, 243):
        cfg = dataclasses.replace(base, receptive_field=n)
        train, _ = measure_model(cfg, train_batch[n], repeats=3)
        rows.append((f"train step n={n}", f"{train.median_rate:.1f} windows/s ({gflops(cfg, train.median_rate, True):.0f} GFLOP/s)",
                     f"batch {train_batch[n]}, fwd+bwd+Adam"))
        cmp = compare_inference(cfg, batch_size=32, repeats=args.repeats)
        for m in (cmp.liftformer, cmp.plain):
            full = m is cmp.plain
            achieved = 2 * cfg.macs_per_window(full_last_block=full) * m.median_rate / 1e9
            rows.append((f"inference n={n}: {m.name}", f"{m.median_rate:.1f} windows/s ({achieved:.0f} GFLOP/s, "
                         f"{100 * achieved / peak:.0f}% of GEMM)", "batch 32, inference mode"))
        rows.append((f"inference n={n}: speed-up over plain", f"{cmp.speedup:.2f}x, max abs diff {cmp.max_abs_diff:.1e}", "same weights"))
    cfg = dataclasses.replace(base, receptive_field=243)
    model = LiftFormer(cfg).eval()
    int8 = quantize_int8(model)
    x = torch.randn(32, 243, cfg.num_joints_in, 2) * 0.3
    with torch.inference_mode():
        fp = statistics.median(time_calls(lambda: model(x), args.repeats))
        q = statistics.median(time_calls(lambda: int8(x), args.repeats))
        diff = float((int8(x) - model(x)).abs().max())
    rows.append(("inference n=243: dynamic int8", f"{32 / q:.1f} windows/s ({fp / q:.2f}x fp32), max abs diff {1000 * diff:.1f} mm",
                 "untrained weights; accuracy cost on real data: see BENCHMARKS.md"))
    cfg27 = dataclasses.replace(base, receptive_field=27)
    dataset = synthetic_window_dataset(200_000, cfg27)
    pipe = measure_pipeline(dataset, batch_size=1024)
    consume = measure_model(cfg27, 64, repeats=3)[0].median_rate
    rows.append(("data pipeline alone n=27",
                 f"{pipe.median_rate:,.0f} samples/s ({pipe.median_rate / consume:.0f}x the model's training rate)",
                 f"{len(dataset):,} samples, batch 1024, flip on"))
    e2e = measure_training_end_to_end(dataset, cfg27, batch_size=64)
    rows.append(("training end to end n=27", f"{e2e.median_rate:.1f} samples/s", "batch 64, pipeline + step"))
    seq = measure_sequence_inference(cfg, frames=256, batch_size=32)
    ten_minutes = 10 * 60 * 50
    rows.append(("whole-sequence inference n=243", f"{seq.median_rate:.1f} frames/s ({ten_minutes / seq.median_rate / 60:.0f} min "
                 "for a 10-min 50 fps video)", "256 frames timed, batch 32, no flip"))
    dense = measure_sequence_inference(dataclasses.replace(cfg, head="sequence"), frames=243 * 20, batch_size=32)
    rows.append(("whole-sequence inference n=243, sequence head", f"{dense.median_rate:.1f} frames/s "
                 f"({dense.median_rate / seq.median_rate:.0f}x the centre head)", "4,860 frames, stride 243, batch 32, no flip"))
    rows.append(("peak memory", f"{peak_memory_mb():.0f} MiB", "resident set of the whole suite"))
    title = (f"bench --suite, {time.strftime('%Y-%m-%d')}: {hardware_description()}; fp32; model d_model={base.d_model} "
             f"heads={base.heads} blocks={base.blocks} ffn={base.ffn}; medians of {args.repeats} runs unless stated")
    table = ["| workload | result | conditions |", "| --- | --- | --- |", *(f"| {a} | {b} | {c} |" for a, b, c in rows)]
    print(title)
    print("\n".join(table))
    if args.markdown:
        old = Path(args.markdown).read_text() if Path(args.markdown).is_file() else ""
        atomic_write_text(args.markdown, old + f"\n### {title}\n\n" + "\n".join(table) + "\n")
        print(f"appended to {args.markdown}")
    return 0
