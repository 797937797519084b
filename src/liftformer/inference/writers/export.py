"""Export a lifting model (LiftFormer or TCN) to ONNX (dynamic batch) and check it against PyTorch with ONNX
Runtime; dynamic int8 quantisation for CPU inference."""

from __future__ import annotations

import os
import warnings

import numpy as np
import torch
from torch import nn

from liftformer.fileio import atomic_write
from liftformer.model import ARCHS, WindowModel


def export_onnx(model: WindowModel, path: str | os.PathLike, opset: int = 17) -> None:
    """Write ``model`` as ONNX: input ``keypoints`` (batch, N, J_in, 2) → ``pose`` (batch, F, J_out, 3),
    F = 1 (centre head) or N (sequence head).

    The batch dimension is dynamic; the window length is fixed by the model. Uses the
    TorchScript-based exporter (fast, needs only ``onnx``); the dynamo exporter gives the same
    graph here but needs onnxscript and takes ~20× longer.
    """
    cfg = model.config
    if not ARCHS[cfg.arch].onnx:
        raise ValueError(f"{cfg.arch} models cannot be exported to ONNX")
    model = model.eval()
    example = torch.zeros(2, cfg.receptive_field, cfg.num_joints_in, 2)

    def write(tmp: str) -> None:
        with warnings.catch_warnings():  # the TorchScript exporter's deprecation and tracer notes; parity is checked
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example,), tmp, input_names=["keypoints"], output_names=["pose"],
                dynamic_axes={"keypoints": {0: "batch"}, "pose": {0: "batch"}}, opset_version=opset, dynamo=False,
            )

    atomic_write(path, write)


def onnx_max_abs_difference(model: WindowModel, path: str | os.PathLike, batch: int = 5, seed: int = 0) -> float:
    """Largest |ONNX Runtime − PyTorch| over a random batch (of a size other than the export's)."""
    import onnxruntime as ort

    cfg = model.config
    x = torch.from_numpy(
        np.random.default_rng(seed).uniform(-1, 1, size=(batch, cfg.receptive_field, cfg.num_joints_in, 2)).astype(np.float32)
    )
    with torch.inference_mode():
        expected = model.eval()(x).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["pose"], {"keypoints": x.numpy()})
    return float(np.abs(got - expected).max())


def quantize_int8(model: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation of every linear layer (weights int8, activations quantised on the fly)."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
