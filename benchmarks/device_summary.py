#!/usr/bin/env python3
"""The Python half of ``benchmarks/device_run.sh``: collect one training + evaluation run into ``$OUT``.

    python benchmarks/device_summary.py summary --run RUN --eval EVAL.json --table TABLE.txt --out OUT
        [--variant gt243] [--phases PHASES.tsv] [--device cuda]
    python benchmarks/device_summary.py join OUT/weights-*.safetensors --out final.safetensors

``summary`` writes ``OUT/summary.json`` (device, P1/P2 in mm, training minutes, epochs, steps,
windows, MFU, the recipe and every knob, per-action P1/P2, the phases' wall times), copies
``log.csv``, ``curve.png`` and the table, and splits ``RUN/final.safetensors`` into bf16
safetensors shards of at most 16 MiB (``weights-00001-of-0000N.safetensors``), each with the model
config in its header. ``join`` turns the shards back into one float32 weights file that
``liftformer evaluate`` reads (bf16-rounded weights: its P1 can differ from the summary's in the
last digit).

MFU here is that of the whole training run: analytic model FLOPs of the windows trained (2 × MACs
per window × 3 for forward + backward) per second of training time, over the FLOP/s of a GEMM timed
in this process on the same device (bf16 8192³ on CUDA, fp32 sized for about 1 s on a CPU).
``mfu`` leaves out the first epoch (it holds torch.compile's compilation) when there are at least
two; ``mfu_with_first_epoch`` counts everything.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
from pathlib import Path

SHARD_BYTES = 16 * 2**20 - 2**16  # 16 MiB per file, less room for the header


def read_log(path: Path) -> list[dict[str, float]]:
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def protocol_average(table: dict[str, dict[str, float | None]], metric: str) -> tuple[float, dict[str, float | None]]:
    """The ``Average`` cell and the per-action cells of the row named ``metric`` (e.g. 'P1 MPJPE')."""
    rows = [(k, v) for k, v in table.items() if k.split(" / ")[-1] == metric]
    if not rows:
        raise KeyError(f"no row {metric!r} in the evaluation table (rows: {list(table)[:6]} …)")
    cells = rows[0][1]
    avg = cells.get("Average", cells.get("Avg"))
    if avg is None:
        raise KeyError(f"row {metric!r} has no 'Average' column")
    return float(avg), {k: v for k, v in cells.items() if k not in ("Average", "Avg")}


def training_mfu(log: list[dict[str, float]], macs_per_window: int, batch_size: int, reference_flops: float) -> tuple[float, float]:
    """(MFU without the first epoch, MFU of the whole run) from log.csv's cumulative steps and training seconds."""
    flops_per_step = 2 * 3 * macs_per_window * batch_size

    def rate(steps: float, seconds: float) -> float:
        return flops_per_step * steps / seconds / reference_flops if seconds > 0 else float("nan")

    last = log[-1]
    overall = rate(last["step"], last["train_s"])
    if len(log) < 2:
        return overall, overall
    first = log[0]
    return rate(last["step"] - first["step"], last["train_s"] - first["train_s"]), overall


def split_bf16(weights: Path, out: Path, max_bytes: int = SHARD_BYTES) -> list[Path]:
    """``weights`` (safetensors) as bf16 shards of at most ``max_bytes`` tensor bytes each, config kept."""
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(weights), framework="pt") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    shards: list[dict[str, torch.Tensor]] = [{}]
    used = 0
    for name, t in tensors.items():
        t = t.to(torch.bfloat16).contiguous() if t.is_floating_point() else t.contiguous()
        size = t.numel() * t.element_size()
        if size > max_bytes:
            raise ValueError(f"{name}: one tensor of {size} bytes is larger than a shard ({max_bytes})")
        if used + size > max_bytes and shards[-1]:
            shards.append({})
            used = 0
        shards[-1][name] = t
        used += size
    paths = []
    for i, shard in enumerate(shards, 1):
        path = out / f"weights-{i:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(path), metadata={**meta, "dtype": "bfloat16", "shard": f"{i}/{len(shards)}"})
        paths.append(path)
    return paths


def join_shards(shards: list[Path], out: Path) -> None:
    """The shards of :func:`split_bf16` as one float32 weights file (`liftformer evaluate --checkpoint`)."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    tensors, meta = {}, {}
    for path in sorted(shards):
        with safe_open(str(path), framework="pt") as f:
            meta = {k: v for k, v in (f.metadata() or {}).items() if k not in ("dtype", "shard")}
            for k in f.keys():
                t = f.get_tensor(k)
                tensors[k] = t.float() if t.is_floating_point() else t
    counts = {p.stem.split("-of-")[-1] for p in shards}
    if len(counts) != 1 or int(counts.pop()) != len(shards):
        raise ValueError(f"expected every shard of one set, got {len(shards)} files: {[p.name for p in shards]}")
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out), metadata=meta)
    print(f"wrote {out} ({sum(t.numel() for t in tensors.values()) / 1e6:.2f}M values, float32 from bf16)")


def device_name(device: str) -> str:
    import torch

    from liftformer.timing import hardware_description

    if device.startswith("cuda") and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(device)
        return f"{props.name} ({props.total_memory / 2**30:.0f} GiB); torch {torch.__version__}; CUDA {torch.version.cuda}"
    return hardware_description()


def summarise(args: argparse.Namespace) -> dict:
    from liftformer.model.registry import config_from_dict
    from liftformer.timing import gemm_reference

    run, out = Path(args.run), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = json.loads((run / "config.json").read_text())
    model_cfg, train_cfg = config_from_dict(config["model"]), config["train"]
    log = read_log(run / "log.csv")
    table = json.loads(Path(args.eval).read_text())
    p1, p1_actions = protocol_average(table, "P1 MPJPE")
    p2, p2_actions = protocol_average(table, "P2 P-MPJPE")
    reference, gemm = gemm_reference(args.device)
    mfu, mfu_all = training_mfu(log, model_cfg.macs_per_window(), train_cfg["batch_size"], reference)
    phases = {}
    if args.phases and Path(args.phases).is_file():
        for line in Path(args.phases).read_text().splitlines():
            name, _, seconds = line.partition("\t")
            phases[name] = float(seconds)
    last = log[-1]
    summary = {
        "variant": args.variant,
        "device": device_name(args.device),
        "p1_mm": round(p1, 2),
        "p2_mm": round(p2, 2),
        "train_minutes": round(last["train_s"] / 60, 3),
        "epochs": int(last["epoch"]),
        "steps": int(last["step"]),
        "windows_trained": int(last["step"]) * train_cfg["batch_size"],
        "mfu": round(mfu, 4),
        "mfu_with_first_epoch": round(mfu_all, 4),
        "mfu_reference": f"torch.mm {gemm} on {args.device}: {reference / 1e9:.1f} GFLOP/s",
        "recipe": train_cfg.get("recipe", "paper"),
        "train_config": train_cfg,
        "model": config["model"],
        "parameters_m": None,
        "macs_per_window": model_cfg.macs_per_window(),
        "val_mpjpe_mm_last": round(last.get("val_mpjpe_mm", math.nan), 2),
        "diverged": not all(math.isfinite(r.get("train_mpjpe_mm", math.nan)) for r in log),
        "p1_by_action_mm": p1_actions,
        "p2_by_action_mm": p2_actions,
        "phases_s": phases,
        "protocol": "Human3.6M S9+S11 (58 of 59 sequences in this copy), every frame, flip TTA; final weights",
    }
    for name in ("log.csv", "curve.png"):
        if (run / name).is_file():
            shutil.copy(run / name, out / name)
    if args.table:
        shutil.copy(args.table, out / "table.txt")
    shards = split_bf16(run / "final.safetensors", out)
    from safetensors import safe_open

    with safe_open(str(run / "final.safetensors"), framework="pt") as f:
        summary["parameters_m"] = round(sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys()) / 1e6, 3)
    summary["weights"] = [p.name for p in shards]
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True))
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("summary")
    s.add_argument("--run", required=True)
    s.add_argument("--eval", required=True)
    s.add_argument("--table", default=None)
    s.add_argument("--out", required=True)
    s.add_argument("--variant", default="")
    s.add_argument("--phases", default=None)
    s.add_argument("--device", default="cpu")
    j = sub.add_parser("join")
    j.add_argument("shards", nargs="+")
    j.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.command == "join":
        join_shards([Path(x) for x in args.shards], Path(args.out))
        return 0
    summary = summarise(args)
    keys = ("variant", "device", "p1_mm", "p2_mm", "train_minutes", "epochs", "mfu", "recipe")
    print(json.dumps({k: summary[k] for k in keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
