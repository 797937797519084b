"""The training loop: epochs of shuffled windows, per-epoch validation, logs, atomic checkpoints.

Trains any model of :mod:`liftformer.model.registry` (LiftFormer, the TCN baseline). An
optional wall-clock budget (``max_minutes``, training time only, validation excluded) stops the
run mid-epoch; the last, partial epoch is validated and logged like any other.

Resuming from ``last.pt`` restores model, optimiser, Noam step, RNG states and epoch, so an
interrupted run continues exactly as if it had not stopped. Under ``torchrun`` the model is
wrapped in DistributedDataParallel (gloo on CPU, nccl on GPU) and rank 0 writes the files.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from liftformer.data.pipeline import WindowDataset
from liftformer.errors import CheckpointError
from liftformer.evaluation.metrics import mpjpe, p_mpjpe
from liftformer.fileio import atomic_write, atomic_write_text
from liftformer.model.base import WindowConfig
from liftformer.model.checkpoint import save_weights, transfer_weights
from liftformer.model.registry import build_model, config_to_dict
from liftformer.training.config import TrainConfig
from liftformer.training.distributed import Distributed
from liftformer.training.memory import micro_batch_plan
from liftformer.training.optim import build_exponential_optimizer, build_optimizer, cooldown_factor
from liftformer.training.recipe import WeightEMA
from liftformer.training.report import plot_curves, write_log
from liftformer.training.state import BEST_FILE, FINAL_FILE, RAW_FILE, load_resume_state
from liftformer.training.step import target_frame, train_step_async

__all__ = ["TrainConfig", "Trainer", "target_frame"]


class Trainer:
    """Trains a LiftFormer or TCN on a :class:`WindowDataset`, writing everything to ``out_dir``.

    Files: ``last.pt`` (full training state), ``best.safetensors``, ``log.csv`` (train and validation MPJPE,
    validation P-MPJPE in mm, seconds) and ``curve.png`` after every epoch; ``final.safetensors`` when the run ends.
    With ``ema`` validation scores the weight average, which ``best``/``final`` hold (raw: ``final_raw``).
    """

    def __init__(
        self,
        model_config: WindowConfig,
        train_config: TrainConfig,
        train_set: WindowDataset,
        out_dir: str | os.PathLike,
        val_set: WindowDataset | None = None,
        progress: bool = True,
    ) -> None:
        self.model_config = model_config
        self.cfg = train_config
        self.train_set = train_set
        self.val_set = val_set
        self.out_dir = Path(out_dir)
        self.progress = progress
        if train_set.target_mode != model_config.head:
            raise ValueError(
                f"the {model_config.head} head needs targets={model_config.head!r} training windows, "
                f"got {train_set.target_mode!r}"
            )
        self.dist = Distributed.from_environment(train_config.device)
        if train_config.device.startswith("cuda") and self.dist.world_size > 1:
            torch.cuda.set_device(self.dist.rank % torch.cuda.device_count())
        torch.manual_seed(train_config.seed)
        self.model = build_model(model_config).to(train_config.device)
        cfg = train_config
        if cfg.drop_last and len(train_set) < cfg.batch_size:
            raise ValueError(f"drop_last: {len(train_set)} training windows are fewer than one batch of {cfg.batch_size}")
        self.steps_per_epoch = (len(train_set) // cfg.batch_size) if cfg.drop_last else math.ceil(len(train_set) / cfg.batch_size)
        self.memory, self.micro_batches = micro_batch_plan(self.model, model_config, cfg, self.dist.world_size)
        fused = all(p.is_cuda for p in self.model.parameters())  # fused Adam: nothing left for torch.compile
        compiled_step = cfg.compile and not fused and self.dist.world_size == 1
        self.train_seconds = 0.0
        self.budget_elapsed = 0.0  # training seconds at the last budget check (rank 0's under DDP)
        if cfg.schedule == "noam":
            self.optimizer, self.scheduler = build_optimizer(
                self.model, model_config.width, cfg.warmup, cfg.lr_factor, cfg.knobs().lr_scale(cfg.batch_size), compiled_step,
                self._cooldown,
            )
        else:
            self.optimizer, self.scheduler = build_exponential_optimizer(
                self.model, cfg.lr, cfg.lr_decay, self.steps_per_epoch, compiled_step, self._cooldown
            )
        self.optimizer_step = torch.compile(self.optimizer.step) if compiled_step else self.optimizer.step
        self.ema = WeightEMA(self.model, cfg.ema) if cfg.ema > 0 else None
        self.eval_model = self.model if self.ema is None else self.ema.model
        self.generator = torch.Generator().manual_seed(train_config.seed)
        self.epoch = 0
        self.budget_spent = False  # set by _stop_now, identical on every DDP rank; never without a budget
        self.history: list[dict[str, float]] = []
        self.init: str | None = None  # the weights file a fine-tuning run started from (recorded in config.json)
        self.step_model: torch.nn.Module = self.model
        if self.dist.world_size > 1:
            self.step_model = DistributedDataParallel(self.model)
        if train_config.compile:
            self.step_model = torch.compile(self.step_model)  # type: ignore[assignment]  # an OptimizedModule

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "history": self.history,
            "rng_torch": torch.get_rng_state(),
            "rng_generator": self.generator.get_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "model_config": config_to_dict(self.model_config),
            "train_config": dataclasses.asdict(self.cfg),
            **({"ema": self.ema.state_dict()} if self.ema is not None else {}),
            "init": self.init,
        }

    def save(self) -> None:
        """Write ``last.pt`` atomically (rank 0 only)."""
        if self.dist.is_main:
            state = self.state_dict()
            atomic_write(self.out_dir / "last.pt", lambda tmp: torch.save(state, tmp))

    def start_from(self, path: str | os.PathLike) -> None:
        """Begin from a weights file's parameters (fine-tuning; see :func:`transfer_weights`); the EMA too."""
        transfer_weights(path, self.model)
        self.init = str(path)
        if self.ema is not None:
            self.ema.model.load_state_dict(self.model.state_dict())

    def resume(self, path: str | os.PathLike | None = None) -> None:
        """Restore everything from a ``last.pt`` (default: the one in ``out_dir``)."""
        path = Path(path or self.out_dir / "last.pt")
        state = load_resume_state(path, self.model_config)
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            if self.ema is not None:
                self.ema.load_state_dict(state["ema"])
            self.epoch, self.init = int(state["epoch"]), state.get("init")
            self.history = list(state["history"])
            self.train_seconds = float(self.history[-1].get("train_s", 0.0)) if self.history else 0.0
            self.budget_elapsed = self.train_seconds
            torch.set_rng_state(state["rng_torch"])
            self.generator.set_state(state["rng_generator"])
            if state["rng_cuda"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state["rng_cuda"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as e:
            why = " ".join(f"{type(e).__name__}: {e}".split())[:200]
            raise CheckpointError(f"{path}: not a liftformer training checkpoint ({why})") from None
        self.budget_spent = self.cfg.max_minutes is not None and self.train_seconds >= 60.0 * self.cfg.max_minutes

    # ---------------------------------------------------------------- loop
    def _cooldown(self, step: int) -> float:
        """The learning-rate multiplier of ``cooldown`` at this step index: the run's progress is
        its training time over ``max_minutes`` when there is a budget, else steps over ``epochs``."""
        cfg = self.cfg
        if cfg.max_minutes is not None:
            progress = self.budget_elapsed / (60.0 * cfg.max_minutes)
        else:
            progress = step / max(cfg.epochs * self.steps_per_epoch, 1)
        return cooldown_factor(progress, cfg.cooldown)

    def _stop_now(self, epoch_start: float) -> bool:
        """Whether the budget ran out during this epoch; every DDP rank gets rank 0's clock, so
        that all ranks stop at the same step and cool down alike."""
        if self.cfg.max_minutes is None:
            return False
        elapsed = self.train_seconds + time.perf_counter() - epoch_start
        if self.dist.world_size > 1:
            clock = torch.tensor([elapsed], dtype=torch.float64, device=self.cfg.device)
            dist.broadcast(clock, src=0)
            elapsed = float(clock.item())
        self.budget_elapsed = elapsed
        spent = elapsed >= 60.0 * self.cfg.max_minutes
        self.budget_spent |= spent
        return spent

    def train_epoch(self) -> float:
        """One pass over the training windows, or less if the time budget runs out; returns the
        mean training MPJPE (metres). Adds the time spent to ``train_seconds``."""
        cfg = self.cfg
        batches = self.train_set.batches(
            cfg.batch_size, generator=self.generator, rank=self.dist.rank, world_size=self.dist.world_size, drop_last=cfg.drop_last
        )
        if self.progress and self.dist.is_main:
            from tqdm import tqdm

            batches = tqdm(batches, total=self.steps_per_epoch, desc=f"epoch {self.epoch + 1}/{cfg.epochs}", leave=False, disable=None)
        dtype = torch.bfloat16 if cfg.bf16 else None
        # the loss stays on the device (float64 sum, as the float sum it replaces) and is read every sync_every steps
        loss_sum, count = torch.zeros((), dtype=torch.float64, device=cfg.device), 0
        t0 = time.perf_counter()
        for i, (x, y) in enumerate(batches, 1):
            loss = train_step_async(self.step_model, self.optimizer, self.scheduler, x, y, dtype, cfg.clip_grad, self.ema,
                                    self.optimizer_step, self.micro_batches)
            loss_sum += loss.double() * len(x)
            count += len(x)
            stop = self._stop_now(t0)
            if stop or i % cfg.sync_every == 0:
                self._check_finite(loss.item(), loss_sum.item(), batches)
            if stop:
                break
        getattr(batches, "close", lambda: None)()  # the progress bar, if any
        total = loss_sum.item()
        self._check_finite(total, total, batches)
        self.train_seconds += time.perf_counter() - t0
        return total / max(count, 1)

    def _check_finite(self, loss: float, loss_sum: float, batches: Any) -> None:
        """Raise if training diverged (any non-finite loss so far makes the sum non-finite); show the loss."""
        if not math.isfinite(loss_sum):
            raise FloatingPointError(f"training diverged at epoch {self.epoch + 1}: loss {loss if not math.isfinite(loss) else loss_sum}")
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(mpjpe_mm=f"{1000 * loss:.1f}")

    @torch.no_grad()
    def validate(self) -> tuple[float, float]:
        """Mean MPJPE and P-MPJPE (metres) over the validation windows, no augmentation.

        Only each window's target frame is scored (the centre, or the last frame when causal),
        whatever the head and the validation set's targets, so that the numbers of centre- and
        sequence-head runs are comparable.
        """
        assert self.val_set is not None
        self.eval_model.eval()
        index = self.model_config.output_index
        total, total_p, count = 0.0, 0.0, 0
        for x, y in self.val_set.batches(self.cfg.eval_batch_size, shuffle=False):
            with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.cfg.bf16):
                pred = self.eval_model(x)
            pred, y = target_frame(pred.float(), index), target_frame(y, index)
            total += mpjpe(pred, y).item() * len(x)
            total_p += p_mpjpe(pred, y).item() * len(x)
            count += len(x)
        return total / max(count, 1), total_p / max(count, 1)

    def fit(self) -> list[dict[str, float]]:
        """Train until ``epochs`` or the time budget; checkpoint, log and plot after every epoch."""
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.out_dir / "config.json", json.dumps(
                {"model": config_to_dict(self.model_config), "train": dataclasses.asdict(self.cfg), "init": self.init}, indent=2
            ))
        start = time.perf_counter() - (self.history[-1]["elapsed_s"] if self.history else 0.0)
        while self.epoch < self.cfg.epochs and not self.budget_spent:
            t0 = time.perf_counter()
            train_loss = self.train_epoch()
            val_loss, val_p = self.validate() if self.val_set is not None and self.dist.is_main else (math.nan, math.nan)
            self.epoch += 1
            row = {
                "epoch": self.epoch,
                "step": self.scheduler.last_epoch,
                "lr": float(self.optimizer.param_groups[0]["lr"]),
                "train_mpjpe_mm": 1000 * train_loss,
                "val_mpjpe_mm": 1000 * val_loss,
                "val_p_mpjpe_mm": 1000 * val_p,
                "epoch_s": time.perf_counter() - t0,
                "train_s": self.train_seconds,
                "elapsed_s": time.perf_counter() - start,
            }
            self.history.append(row)
            if self.dist.is_main:
                self._write_outputs(row)
                print(
                    f"epoch {self.epoch}/{self.cfg.epochs}: train MPJPE {row['train_mpjpe_mm']:.1f} mm, "
                    f"val MPJPE {row['val_mpjpe_mm']:.1f} mm (P-MPJPE {row['val_p_mpjpe_mm']:.1f}), "
                    f"lr {row['lr']:.2e}, {row['epoch_s']:.1f} s" + (" (time budget reached)" if self.budget_spent else ""),
                    flush=True,
                )
        if self.dist.is_main and self.history:  # final (and an EMA's raw weights) once the run ends, not per epoch
            save_weights(self.eval_model, self.out_dir / FINAL_FILE, {"epoch": str(self.epoch)})  # type: ignore[arg-type]
            if self.ema is not None:
                save_weights(self.model, self.out_dir / RAW_FILE, {"epoch": str(self.epoch), "weights": "raw"})
        if self.dist.world_size > 1:
            dist.barrier()  # no rank tears the process group down while another still uses it
        return self.history

    def _write_outputs(self, row: dict[str, float]) -> None:
        """Per epoch: ``best`` if validation improved, ``last.pt``, log, curve; an earlier sitting's ``final`` goes."""
        vals = [r["val_mpjpe_mm"] for r in self.history]
        if math.isfinite(row["val_mpjpe_mm"]) and row["val_mpjpe_mm"] <= min(v for v in vals if math.isfinite(v)):
            save_weights(self.eval_model, self.out_dir / BEST_FILE, {"epoch": str(self.epoch)})  # type: ignore[arg-type]
        for stale in (FINAL_FILE, RAW_FILE):
            (self.out_dir / stale).unlink(missing_ok=True)
        self.save()
        write_log(self.history, self.out_dir / "log.csv")
        plot_curves(self.history, self.out_dir / "curve.png")
