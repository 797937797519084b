"""Analytic multiply-accumulate count of one LiftFormer forward pass (one window)."""

from __future__ import annotations

from liftformer.model.liftformer import LiftFormerConfig


def macs_per_window(cfg: LiftFormerConfig, full_last_block: bool = False) -> int:
    """MACs of the matrix products for one window (norms, softmax and biases ignored).

    ``full_last_block=True`` counts the plain encoder that runs its last block on all N tokens
    (as ``nn.TransformerEncoder`` would); the default counts LiftFormer's centre-query last block.
    """
    n, d, f = cfg.receptive_field, cfg.d_model, cfg.ffn
    block = n * (4 * d * d + 2 * d * f) + 2 * n * n * d  # projections, FFN, QK^T and AV
    if full_last_block:
        last = block
    else:
        last = n * 2 * d * d + (2 * d * d + 2 * d * f) + 2 * n * d  # K/V for all, rest for 1 token
    head = n * 2 * cfg.num_joints_in * d + d * 3 * cfg.num_joints_out
    return (cfg.blocks - 1) * block + last + head
