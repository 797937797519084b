"""``liftformer export``: the model as ONNX (dynamic batch), checked against PyTorch with ONNX Runtime."""

from __future__ import annotations

import argparse
import importlib.util

from liftformer.cli.options import add_runtime_arguments, positive_int
from liftformer.errors import CheckpointError, LiftformerError
from liftformer.fileio import check_outputs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("export", help="export a model to ONNX and check it with ONNX Runtime")
    p.add_argument("--onnx", required=True, help="output .onnx path")
    add_runtime_arguments(p, checkpoint="shipped", device=False)
    p.add_argument("--causal", action="store_true", help="export the shipped causal (streaming) model")
    p.add_argument("--opset", type=positive_int, default=17)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from liftformer.inference.lifting.pretrained import shipped_weights_path
    from liftformer.inference.options import torch_threads
    from liftformer.inference.writers.export import export_onnx, onnx_max_abs_difference
    from liftformer.model.checkpoint import load_weights

    missing = [m for m in ("onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
    if missing:
        raise LiftformerError(f"export needs {' and '.join(missing)}: pip install 'liftformer[export]'")
    path = args.checkpoint or shipped_weights_path(args.causal)
    check_outputs({"--onnx": args.onnx}, {"--checkpoint": path})
    model = load_weights(path).eval()
    with torch_threads(args.threads or torch.get_num_threads()):
        export_onnx(model, args.onnx, args.opset)
        diff = onnx_max_abs_difference(model, args.onnx)
    cfg = model.config
    print(f"wrote {args.onnx}: input keypoints (batch, {cfg.receptive_field}, {cfg.num_joints_in}, 2) → "
          f"pose (batch, {cfg.output_frames}, {cfg.num_joints_out}, 3), opset {args.opset}")
    print(f"ONNX Runtime vs PyTorch on a batch of 5: max |difference| = {diff:.2e}")
    if diff > 1e-4:
        raise CheckpointError(f"{args.onnx}: ONNX output differs from PyTorch by {diff:.2e} (> 1e-4)")
    return 0
