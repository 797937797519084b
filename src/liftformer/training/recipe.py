"""Training recipes: the paper's (Noam, factor 12, warm-up 1000; unchanged) and a stable one for the
sequence head on a GPU, plus the knobs they set (learning-rate scaling with batch, warm-up,
gradient clipping, an exponential moving average of the weights).

``resolve_recipe("paper")`` gives exactly the optimisation ``liftformer train`` ran before recipes
existed; any knob given explicitly overrides the preset's value.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class Recipe:
    """The Noam knobs of a recipe.

    The learning rate is ``lr_factor · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5)``
    (width scaling is Noam's d_model^-0.5), times ``sqrt(batch / lr_ref_batch)`` when
    ``lr_ref_batch`` is set (square-root batch scaling; ``None``: no batch scaling).
    ``clip_grad``: largest global gradient L2 norm (0: no clipping). ``ema``: decay of the
    exponential moving average of the weights (0: none), see :class:`WeightEMA`.
    """

    name: str
    lr_factor: float
    warmup: int
    clip_grad: float = 0.0
    ema: float = 0.0
    lr_ref_batch: int | None = None

    def __post_init__(self) -> None:
        if not (self.lr_factor > 0 and math.isfinite(self.lr_factor)):
            raise ValueError(f"lr_factor must be positive, got {self.lr_factor}")
        if self.warmup < 1:
            raise ValueError(f"warmup must be >= 1, got {self.warmup}")
        if not (self.clip_grad >= 0 and math.isfinite(self.clip_grad)):
            raise ValueError(f"clip_grad must be >= 0 (0: off), got {self.clip_grad}")
        if not 0 <= self.ema < 1:
            raise ValueError(f"ema must be in [0, 1) (0: off), got {self.ema}")
        if self.lr_ref_batch is not None and self.lr_ref_batch < 1:
            raise ValueError(f"lr_ref_batch must be >= 1, got {self.lr_ref_batch}")

    def lr_scale(self, batch_size: int) -> float:
        """The batch multiplier of the learning rate: sqrt(batch / lr_ref_batch), or 1."""
        return 1.0 if self.lr_ref_batch is None else math.sqrt(batch_size / self.lr_ref_batch)


RECIPES: dict[str, Recipe] = {
    # the paper (LiftFormer §4; Vaswani et al.'s schedule): what `train` has always run
    "paper": Recipe("paper", lr_factor=12.0, warmup=1000),
    # sequence head on a GPU: a fifth of the paper's peak at batch 512, scaled by sqrt(batch / 512);
    # global gradient norm clipped at 1; EMA of the weights (decay 0.999) is what is validated and saved
    "stable": Recipe("stable", lr_factor=2.5, warmup=1000, clip_grad=1.0, ema=0.999, lr_ref_batch=512),
}


def resolve_recipe(name: str, **overrides: float | int | None) -> Recipe:
    """The preset ``name`` with every override that is not ``None`` applied (range-checked)."""
    if name not in RECIPES:
        raise ValueError(f"recipe must be one of {tuple(RECIPES)}, got {name!r}")
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - {"lr_factor", "warmup", "clip_grad", "ema", "lr_ref_batch"}
    if unknown:
        raise TypeError(f"unknown recipe knobs: {sorted(unknown)}")
    return replace(RECIPES[name], **given)


class WeightEMA:
    """Exponential moving average of a model's weights, updated after every optimiser step.

    ``w_ema ← d · w_ema + (1 − d) · w`` with ``d = min(decay, (1 + k) / (10 + k))`` at the k-th
    update (the usual warm-up of the decay, so that a short run's average is not dominated by the
    initial weights); buffers (batch-norm statistics) are copied. One multi-tensor lerp on the
    parameters' device, no host synchronisation.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0 < decay < 1:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0
        self._source = model

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        torch._foreach_lerp_(list(self.model.parameters()), list(self._source.parameters()), 1.0 - d)
        for mine, theirs in zip(self.model.buffers(), self._source.buffers()):
            mine.copy_(theirs)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "updates": self.updates, "decay": self.decay}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.updates = int(state["updates"])
