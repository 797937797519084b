"""``train``'s recipe flags: ``--recipe paper|stable`` and the knobs it presets (each range-checked at
parse time; a knob given explicitly overrides the preset)."""

from __future__ import annotations

import argparse

from liftformer.cli.options import decay_rate, non_negative_float, positive_float, positive_int
from liftformer.training.recipe import RECIPES, Recipe, resolve_recipe


def add_recipe_arguments(g: argparse._ArgumentGroup) -> None:
    presets = "; ".join(
        f"{r.name}: factor {r.lr_factor:g}, warm-up {r.warmup}, clip {r.clip_grad:g}, EMA {r.ema:g}, "
        f"lr ×√(batch/{r.lr_ref_batch})" if r.lr_ref_batch else
        f"{r.name}: factor {r.lr_factor:g}, warm-up {r.warmup}, no clipping, no EMA, no batch scaling"
        for r in RECIPES.values()
    )
    g.add_argument("--recipe", choices=tuple(RECIPES), default="paper",
                   help=f"optimisation preset (default paper, the paper's unchanged): {presets}")
    g.add_argument("--warmup", type=positive_int, default=None, help="noam: warm-up steps (default: the recipe's)")
    g.add_argument("--lr-factor", type=positive_float, default=None, help="noam: factor (default: the recipe's)")
    g.add_argument("--lr-ref-batch", type=positive_int, default=None,
                   help="noam: multiply the lr by sqrt(batch / this) (default: the recipe's)")
    g.add_argument("--clip-grad", type=non_negative_float, default=None,
                   help="clip the global gradient L2 norm to this (0: off; default: the recipe's)")
    g.add_argument("--ema", type=decay_rate, default=None,
                   help="decay of a moving average of the weights, validated and saved as best/final "
                        "(raw weights: final_raw.safetensors); 0: off; default: the recipe's")
    g.add_argument("--drop-last", action="store_true",
                   help="drop each epoch's ragged last batch (static shapes; implied by --compile)")
    g.add_argument("--sync-every", type=positive_int, default=50,
                   help="read the training loss from the device (and check it is finite) every k steps")


def recipe_from_args(args: argparse.Namespace) -> Recipe:
    """The recipe the flags select, with the knobs given explicitly applied."""
    return resolve_recipe(args.recipe, lr_factor=args.lr_factor, warmup=args.warmup, clip_grad=args.clip_grad,
                          ema=args.ema, lr_ref_batch=args.lr_ref_batch)
