#!/usr/bin/env python3
"""Average the weights of models of one architecture (WiSE-FT, Wortsman et al. 2022; model soups).

    python benchmarks/average_weights.py BASE.safetensors 0.5 FINE_TUNED.safetensors 0.5 --out AVERAGED.safetensors

A fine-tune that gains on what it was tuned for (here, limbs swung beyond Human3.6M's poses) can lose what the
long run behind it built (views of held-out cameras); averaging its weights with its starting point's tends to
keep most of both. Each weights file is given with its share (the shares must sum to 1); every floating-point
tensor is averaged, the configuration and metadata (the trajectory calibration among them; not its epoch) are
the first file's, and every file must hold the same model (configuration, tensor names and shapes).
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from liftformer.model.checkpoint import CONFIG_KEY, load_weights, save_weights


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("pairs", nargs="+", metavar="WEIGHTS SHARE", help="weights files, each followed by its share")
    p.add_argument("--out", required=True, help="the averaged .safetensors (never one of the inputs)")
    args = p.parse_args()
    paths, shares = args.pairs[0::2], args.pairs[1::2]
    if len(paths) != len(shares) or len(paths) < 2:
        p.error("give at least two weights files, each followed by its share")
    try:
        weights = [float(s) for s in shares]
    except ValueError:
        p.error(f"shares must be numbers, got {' '.join(shares)}")
    if abs(sum(weights) - 1) > 1e-6 or min(weights) < 0:
        p.error(f"shares must be ≥ 0 and sum to 1, got {' '.join(shares)}")
    if args.out in paths:
        p.error(f"--out {args.out} is one of the inputs")
    from safetensors import safe_open

    models = [load_weights(path) for path in paths]
    for path, model in zip(paths[1:], models[1:]):
        if model.config != models[0].config:
            print(f"{path}: another model than {paths[0]} ({model.config} against {models[0].config})", file=sys.stderr)
            return 2
    states = [m.state_dict() for m in models]
    averaged = {k: sum(w * s[k] for w, s in zip(weights, states)) if v.is_floating_point() else v for k, v in states[0].items()}
    models[0].load_state_dict(averaged)
    with safe_open(paths[0], framework="pt") as f:
        metadata = {k: v for k, v in (f.metadata() or {}).items() if k not in (CONFIG_KEY, "epoch")}  # an average has no epoch
    metadata["averaged_from"] = json.dumps([[path, w] for path, w in zip(paths, weights)])
    save_weights(models[0], args.out, metadata)
    print(f"wrote {args.out}: " + " + ".join(f"{w:g} × {path}" for path, w in zip(paths, weights)))
    return 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    sys.exit(main())
