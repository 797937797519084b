"""Time-to-accuracy curves and tables of the fixed-budget runs (benchmarks/fixed_budget.sh).

Usage: python benchmarks/time_to_accuracy.py [RUN_DIR] [--png docs/time_to_accuracy.png]

Reads RUN_DIR/<dataset>_<model>/log.csv (validation error after every epoch, against training
time) and eval.json (the full protocol on the final weights), prints Markdown tables and draws
the curves. Validation: every 10th test frame, no flip; protocol: every test frame, flip TTA.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

MODELS = {"centre": "LiftFormer, centre head", "sequence": "LiftFormer, sequence head", "tcn": "TCN (VideoPose3D)"}
DATASETS = {
    "humaneva": ("HumanEva-I", "val_p_mpjpe_mm", "validation P-MPJPE (mm)"),
    "h36m": ("Human3.6M", "val_mpjpe_mm", "validation MPJPE (mm)"),
}
MARKS_MIN = (5, 10, 20, 30, 60)


def read_log(path: Path) -> list[dict[str, float]]:
    with open(path) as f:
        return [{k: float(v) for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def value_at(log: list[dict[str, float]], key: str, minutes: float) -> float:
    """The metric of the last validation whose training time is at most ``minutes`` (+1%: a
    budget stops at the first step past it); NaN if the run has not trained that long."""
    limit = 60 * minutes * 1.01
    if log[-1]["train_s"] < 60 * minutes * 0.99:
        return math.nan
    done = [r[key] for r in log if r["train_s"] <= limit]
    return done[-1] if done else math.nan


def protocol_numbers(dataset: str, eval_json: Path) -> str:
    if not eval_json.is_file():
        return "not evaluated"
    d = json.loads(eval_json.read_text())
    if dataset == "humaneva":
        return f"{d['P2 P-MPJPE by subject / Average']['all']:.1f}"
    return f"{d['by action / P1 MPJPE']['Average']:.1f} / {d['by action / P2 P-MPJPE']['Average']:.1f}"


def tables(runs: Path) -> str:
    out = []
    for dataset, (title, key, label) in DATASETS.items():
        found = [(m, runs / f"{dataset}_{m}") for m in MODELS if (runs / f"{dataset}_{m}" / "log.csv").is_file()]
        if not found:
            continue
        budget = max(read_log(d / "log.csv")[-1]["train_s"] for _, d in found) / 60
        marks = [t for t in MARKS_MIN if t <= budget + 0.5]
        metric = "P-MPJPE" if dataset == "humaneva" else "P1 / P2"
        out.append(f"#### {title}: {label} after k minutes of training; protocol {metric} (mm) of the final weights\n")
        out.append("| model | params | epochs | windows seen | " + " | ".join(f"{t} min" for t in marks) + f" | protocol {metric} |")
        out.append("| --- | --- | --- | --- | " + " | ".join("---" for _ in marks) + " | --- |")
        for model, d in found:
            log = read_log(d / "log.csv")
            cfg = json.loads((d / "config.json").read_text())
            seen = int(log[-1]["step"]) * int(cfg["train"]["batch_size"])
            params = params_of(cfg["model"])
            cells = " | ".join(f"{v:.1f}" if math.isfinite(v := value_at(log, key, t)) else "—" for t in marks)
            out.append(f"| {MODELS[model]} | {params} | {log[-1]['epoch']:.0f} | {seen:,} | {cells} | "
                       f"{protocol_numbers(dataset, d / 'eval.json')} |")
        out.append("")
    return "\n".join(out)


def params_of(model_config: dict) -> str:
    """Parameter count of the model a run's config.json describes (runs written before the
    config carried ``arch`` are told apart by the TCN's ``channels`` field)."""
    from liftformer.model.registry import build_model, config_from_dict

    d = dict(model_config)
    d.setdefault("arch", "tcn" if "channels" in d else "liftformer")
    return f"{build_model(config_from_dict(d)).num_parameters() / 1e6:.2f}M"


def plot(runs: Path, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (dataset, (title, key, label)) in zip(axes, DATASETS.items()):
        for model, name in MODELS.items():
            log_path = runs / f"{dataset}_{model}" / "log.csv"
            if log_path.is_file():
                log = read_log(log_path)
                ax.plot([r["train_s"] / 60 for r in log], [r[key] for r in log], marker=".", label=name)
        ax.set_title(title)
        ax.set_xlabel("training time (min, 1 CPU core)")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    print(f"wrote {path}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="?", default="runs/budget")
    p.add_argument("--png", default=None, help="write the curves here")
    args = p.parse_args()
    print(tables(Path(args.runs)))
    if args.png:
        plot(Path(args.runs), Path(args.png))


if __name__ == "__main__":
    main()
