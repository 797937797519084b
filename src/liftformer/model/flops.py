"""Analytic multiply-accumulate counts of one forward pass (one window), LiftFormer or TCN."""

from __future__ import annotations

from liftformer.model.registry import ModelConfig
from liftformer.model.tcn import TCNConfig


def tcn_macs(cfg: TCNConfig, dense: bool = False) -> int:
    """TCN MACs for one output frame: of its strided one-window form, or (``dense``) per frame of
    the dilated form over a long sequence, where every layer computes one step per frame."""
    c, widths = cfg.channels, cfg.filter_widths
    steps = 1 if dense else cfg.receptive_field // widths[0]
    total = steps * 2 * cfg.num_joints_in * c * widths[0]
    for w in widths[1:]:
        steps = steps if dense else steps // w
        total += steps * (c * c * w + c * c)
    return total + c * 3 * cfg.num_joints_out


def macs_per_window(cfg: ModelConfig, full_last_block: bool = False) -> int:
    """MACs of the matrix products for one window (norms, softmax and biases ignored).

    ``full_last_block=True`` counts the plain encoder that runs its last block on all N tokens
    (as ``nn.TransformerEncoder`` would); the default counts LiftFormer's centre-query last block.
    The sequence head always runs the full last block and ``shrink`` on all N tokens; a causal
    mask is counted as the dense N×N products that the math kernel computes.
    """
    if isinstance(cfg, TCNConfig):
        return tcn_macs(cfg)
    n, d, f = cfg.receptive_field, cfg.d_model, cfg.ffn
    block = n * (4 * d * d + 2 * d * f) + 2 * n * n * d  # projections, FFN, QK^T and AV
    if full_last_block or cfg.head == "sequence":
        last = block
    else:
        last = n * 2 * d * d + (2 * d * d + 2 * d * f) + 2 * n * d  # K/V for all, rest for 1 token
    head = n * 2 * cfg.num_joints_in * d + cfg.output_frames * d * 3 * cfg.num_joints_out
    return (cfg.blocks - 1) * block + last + head


def macs_per_frame(cfg: ModelConfig, stride: int | None = None) -> float:
    """MACs per output frame when lifting a long sequence.

    TCN: the dilated form, one pass over the whole sequence (:func:`tcn_macs` with ``dense``).
    Centre head: one window per frame. Sequence head: one window every ``stride`` frames
    (default N, non-overlapping windows), i.e. ``macs_per_window / stride``.
    """
    if isinstance(cfg, TCNConfig):
        return float(tcn_macs(cfg, dense=True))
    if cfg.head == "centre":
        if stride not in (None, 1):
            raise ValueError("stride applies only to the sequence head (the centre head runs one window per frame)")
        return float(macs_per_window(cfg))
    stride = cfg.receptive_field if stride is None else stride
    if not 1 <= stride <= cfg.receptive_field:
        raise ValueError(f"stride must be in [1, {cfg.receptive_field}], got {stride}")
    return macs_per_window(cfg) / stride
