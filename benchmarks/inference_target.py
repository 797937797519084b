"""Guard for the inference target: LiftFormer's centre-head inference at n=243 must be ≥ 1.10× a plain
``nn.TransformerEncoder`` (same weights, inference mode, batched windows) with outputs within 1e-4.

    python benchmarks/inference_target.py [--receptive-field 243] [--batch-size 32] [--repeats 7]

Exits 1 when the target is missed. A benchmark, not a test: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import sys

from liftformer.model import LiftFormerConfig
from liftformer.timing import compare_inference, hardware_description

TARGET_SPEEDUP = 1.10
TOLERANCE = 1e-4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receptive-field", type=int, default=243)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    cfg = LiftFormerConfig(receptive_field=args.receptive_field)
    result = compare_inference(cfg, args.batch_size, args.repeats)
    print(f"{hardware_description()}; 512/8/6, n={cfg.receptive_field}, batch {args.batch_size}, fp32, median of {args.repeats}")
    for m in (result.liftformer, result.plain):
        lo, hi = m.spread
        print(f"  {m.name:40s} {m.median_rate:8.2f} windows/s ({lo:.2f}-{hi:.2f})")
    ok = result.speedup >= TARGET_SPEEDUP and result.max_abs_diff < TOLERANCE
    print(f"speed-up {result.speedup:.3f}x (target >= {TARGET_SPEEDUP}), max abs diff {result.max_abs_diff:.1e} "
          f"(target < {TOLERANCE}): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
