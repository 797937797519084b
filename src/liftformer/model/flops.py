"""Analytic multiply-accumulate count of one LiftFormer forward pass (one window)."""

from __future__ import annotations

from liftformer.model.liftformer import LiftFormerConfig


def macs_per_window(cfg: LiftFormerConfig, full_last_block: bool = False) -> int:
    """MACs of the matrix products for one window (norms, softmax and biases ignored).

    ``full_last_block=True`` counts the plain encoder that runs its last block on all N tokens
    (as ``nn.TransformerEncoder`` would); the default counts LiftFormer's centre-query last block.
    The sequence head always runs the full last block and ``shrink`` on all N tokens; a causal
    mask is counted as the dense N×N products that the math kernel computes.
    """
    n, d, f = cfg.receptive_field, cfg.d_model, cfg.ffn
    block = n * (4 * d * d + 2 * d * f) + 2 * n * n * d  # projections, FFN, QK^T and AV
    if full_last_block or cfg.head == "sequence":
        last = block
    else:
        last = n * 2 * d * d + (2 * d * d + 2 * d * f) + 2 * n * d  # K/V for all, rest for 1 token
    head = n * 2 * cfg.num_joints_in * d + cfg.output_frames * d * 3 * cfg.num_joints_out
    return (cfg.blocks - 1) * block + last + head


def macs_per_frame(cfg: LiftFormerConfig, stride: int | None = None) -> float:
    """MACs per output frame when lifting a long sequence.

    Centre head: one window per frame. Sequence head: one window every ``stride`` frames
    (default N, non-overlapping windows), i.e. ``macs_per_window / stride``.
    """
    if cfg.head == "centre":
        if stride not in (None, 1):
            raise ValueError("stride applies only to the sequence head (the centre head runs one window per frame)")
        return float(macs_per_window(cfg))
    stride = cfg.receptive_field if stride is None else stride
    if not 1 <= stride <= cfg.receptive_field:
        raise ValueError(f"stride must be in [1, {cfg.receptive_field}], got {stride}")
    return macs_per_window(cfg) / stride
