"""What a training run writes besides checkpoints: the per-epoch log (CSV) and the learning curves (PNG)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from liftformer.fileio import atomic_write


def write_log(history: list[dict[str, float]], path: Path) -> None:
    """The per-epoch history as CSV, written atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in history for k in r)), restval="")
            w.writeheader()
            w.writerows(history)

    atomic_write(path, write)


def plot_curves(history: list[dict[str, float]], path: Path) -> None:
    """Train/validation MPJPE per epoch as a PNG (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in history]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [r["train_mpjpe_mm"] for r in history], label="train (augmented)")
    if any(math.isfinite(r["val_mpjpe_mm"]) for r in history):
        ax.plot(epochs, [r["val_mpjpe_mm"] for r in history], label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MPJPE (mm)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
