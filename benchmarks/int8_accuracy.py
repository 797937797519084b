"""Accuracy and speed cost of dynamic int8 quantisation for a trained model, on real Human3.6M S9+S11.

    python benchmarks/int8_accuracy.py --checkpoint src/liftformer/weights/liftformer_h36m_small.safetensors \
        --data-3d ../shared/data/h36m/data_3d_h36m_17j.npz --data-2d runs/cpu/data_2d_h36m_gt.npz [--subset 0.2]

Prints P1/P2 (mm, flip TTA, protocol averaging) of the fp32 and int8 models and their inference speeds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import torch

from liftformer.data.datasets import load_split
from liftformer.data.pipeline import subset_sequences
from liftformer.evaluation.protocol import evaluate_sequences, summarize_by_action
from liftformer.inference.writers.export import quantize_int8
from liftformer.model.checkpoint import load_weights
from liftformer.timing import hardware_description, time_calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data-3d", required=True)
    parser.add_argument("--data-2d", required=True)
    parser.add_argument("--subset", type=float, default=0.2, help="fraction of every test sequence")
    args = parser.parse_args()
    if not os.path.isfile(args.data_3d):
        print(f"{args.data_3d}: not found; this benchmark needs the real Human3.6M files")
        return 0
    model = load_weights(args.checkpoint).eval()
    split = load_split("h36m", args.data_3d, args.data_2d, split="test", require_3d=True)
    sequences = subset_sequences(split.sequences, args.subset)
    flip = (split.input_skeleton, split.output_skeleton)
    frames = sum(s.num_frames for s in sequences)
    x = torch.randn(256, model.config.receptive_field, model.config.num_joints_in, 2) * 0.3
    print(f"{hardware_description()}; {args.checkpoint}; S9+S11, {len(sequences)} sequences, {frames} frames "
          f"({args.subset:.0%} of each), flip TTA")
    for name, net in (("fp32", model), ("int8 dynamic", quantize_int8(model))):
        table = summarize_by_action(evaluate_sequences(net, sequences, flip, batch_size=1024))
        with torch.inference_mode():
            rate = 256 / statistics.median(time_calls(lambda net=net: net(x), 5))
        print(f"{name:13s} P1 {table['P1 MPJPE']['Average']:.2f} mm  P2 {table['P2 P-MPJPE']['Average']:.2f} mm  "
              f"{rate:,.0f} windows/s (batch 256)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
