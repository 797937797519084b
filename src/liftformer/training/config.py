"""Optimisation settings of a training run (the model's shape lives in its :class:`WindowConfig`)."""

from __future__ import annotations

from dataclasses import dataclass

from liftformer.training.optim import SCHEDULES
from liftformer.training.recipe import RECIPES, Recipe


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; the defaults are the paper's recipe (``--recipe paper``).

    ``schedule="noam"`` (LiftFormer): ``warmup`` and ``lr_factor``, times ``sqrt(batch_size /
    lr_ref_batch)`` when ``lr_ref_batch`` is set; ``"exponential"`` (VideoPose3D): ``lr`` decayed
    by ``lr_decay`` per epoch. ``max_minutes``: stop once this much training time (validation
    excluded) is spent, even mid-epoch. ``recipe`` names the preset the knobs came from (a
    record; :func:`~liftformer.training.recipe.resolve_recipe` resolves it). ``clip_grad``: clip
    the global gradient norm (0: off); ``ema``: decay of a weight average that is validated and
    saved (0: off). ``drop_last``: drop each epoch's ragged last batch (static shapes; on by
    ``compile`` in the CLI). ``sync_every``: read the training loss back from the device (and
    check that it is finite) every this many steps, not after every step. ``cooldown``: bring the
    learning rate linearly to 0 over this last fraction of the run (of ``max_minutes`` of training
    time when set, else of ``epochs``); 0: off. ``micro_batches``: run each batch as this many
    forward/backward passes whose gradients add up to the batch's (gradient accumulation); 0: as many
    as the memory available needs, measured before the first step (:mod:`~liftformer.training.memory`).
    """

    epochs: int = 80
    batch_size: int = 5120
    schedule: str = "noam"
    warmup: int = 1000
    lr_factor: float = 12.0
    lr: float = 1e-3
    lr_decay: float = 0.95
    max_minutes: float | None = None
    seed: int = 0
    device: str = "cpu"
    bf16: bool = False
    compile: bool = False
    eval_batch_size: int = 4096
    recipe: str = "paper"
    clip_grad: float = 0.0
    ema: float = 0.0
    lr_ref_batch: int | None = None
    drop_last: bool = False
    sync_every: int = 50
    cooldown: float = 0.0
    micro_batches: int = 0

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes}")
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {tuple(RECIPES)}, got {self.recipe!r}")
        if not 0.0 <= self.cooldown <= 1.0:
            raise ValueError(f"cooldown must be in [0, 1], got {self.cooldown}")
        if self.micro_batches < 0:
            raise ValueError(f"micro_batches must be >= 0, got {self.micro_batches}")
        if self.sync_every < 1:
            raise ValueError(f"sync_every must be >= 1, got {self.sync_every}")
        self.knobs()  # range checks of the recipe's knobs

    def knobs(self) -> Recipe:
        """The recipe knobs this config runs with."""
        return Recipe(self.recipe, self.lr_factor, self.warmup, self.clip_grad, self.ema, self.lr_ref_batch)
