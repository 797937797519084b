"""The LiftFormer model (Llopart 2020): 2D keypoint window → root-relative 3D pose of one frame.

Beyond the paper, ``head="sequence"`` predicts a 3D pose for every frame of the window.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import torch
from torch import nn

from liftformer.model.base import ArchSpec, Predict, WindowConfig, WindowModel
from liftformer.model.layers import EncoderBlock, MultiHeadAttention, sinusoidal_encoding

HEADS = ("centre", "sequence")


def odd_window(frames: int) -> bool:
    """Whether a LiftFormer window can be ``frames`` long: a positive odd number (its target frame is the centre)."""
    return frames >= 1 and frames % 2 == 1


@dataclass(frozen=True)
class LiftFormerConfig(WindowConfig):
    """Every hyper-parameter that defines the network's shape; round-trips through a checkpoint."""

    num_joints_in: int = 17
    num_joints_out: int = 17
    receptive_field: int = 27
    d_model: int = 512
    heads: int = 8
    blocks: int = 6
    ffn: int = 2048
    dropout: float = 0.1
    share_attention: bool = False
    causal: bool = False
    head: str = "centre"

    arch = "liftformer"  # class constant, not a field: the registry's name of this model family

    def __post_init__(self) -> None:
        if not odd_window(self.receptive_field):
            raise ValueError(f"receptive_field must be a positive odd number, got {self.receptive_field}")
        for name in ("num_joints_in", "num_joints_out", "d_model", "heads", "blocks", "ffn"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.d_model % self.heads or self.d_model % 2:
            raise ValueError(f"d_model ({self.d_model}) must be even and divisible by heads ({self.heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {self.head!r}")

    @property
    def width(self) -> int:
        return self.d_model

    def describe(self) -> str:
        return (
            f"LiftFormer d_model={self.d_model} heads={self.heads} blocks={self.blocks} ffn={self.ffn} "
            f"receptive_field={self.receptive_field} joints {self.num_joints_in}->{self.num_joints_out} "
            f"share_attention={self.share_attention} causal={self.causal} head={self.head}"
        )

    def macs_per_window(self, full_last_block: bool = False) -> int:
        """MACs of the matrix products for one window (norms, softmax and biases ignored).

        ``full_last_block=True`` counts the plain encoder that runs its last block on all N tokens
        (as ``nn.TransformerEncoder`` would); the default counts LiftFormer's centre-query last block.
        The sequence head always runs the full last block and ``shrink`` on all N tokens; a causal
        mask is counted as the dense N×N products that the math kernel computes.
        """
        n, d, f = self.receptive_field, self.d_model, self.ffn
        block = n * (4 * d * d + 2 * d * f) + 2 * n * n * d  # projections, FFN, QK^T and AV
        if full_last_block or self.head == "sequence":
            last = block
        else:
            last = n * 2 * d * d + (2 * d * d + 2 * d * f) + 2 * n * d  # K/V for all, rest for 1 token
        head = n * 2 * self.num_joints_in * d + self.output_frames * d * 3 * self.num_joints_out
        return (self.blocks - 1) * block + last + head

    def macs_per_frame(self, stride: int | None = None) -> float:
        """Centre head: one window per frame. Sequence head: one window every ``stride`` frames
        (default N, non-overlapping windows), i.e. ``macs_per_window / stride``."""
        if self.head == "centre":
            return super().macs_per_frame(stride)
        return self.macs_per_window() / sequence_stride(self, stride)

    def cost_summary(self) -> str:
        if self.head == "centre":
            return super().cost_summary()
        n = self.receptive_field
        return (
            f"cost: {self.macs_per_frame() / 1e6:.1f} MMAC per output frame "
            f"({self.macs_per_window() / 1e6:.1f} MMAC per window of {n} frames, stride {n})"
        )


def sequence_stride(config: LiftFormerConfig, stride: int | None) -> int:
    """The sequence head's window stride when lifting a sequence: 1..N, default N."""
    stride = config.receptive_field if stride is None else stride
    if not 1 <= stride <= config.receptive_field:
        raise ValueError(f"stride must be in [1, {config.receptive_field}], got {stride}")
    return stride


PAPER_BATCH_SIZES = {27: 5120, 81: 3072, 243: 1536}


def default_batch_size(receptive_field: int) -> int:
    """The paper's batch sizes (5120/3072/1536 for n=27/81/243), ∝ 1/n in between."""
    return PAPER_BATCH_SIZES.get(receptive_field, max(64, round(5120 * 27 / max(receptive_field, 27) / 64) * 64))


class LiftFormer(WindowModel):
    """2D keypoints (B, N, J_in, 2) → 3D pose (B, 1, J_out, 3) of the window's target frame.

    With ``head="sequence"`` (not in the paper): → (B, N, J_out, 3), one pose per window frame.

    Conv1d(k=1) projection of the 2·J_in coordinates to ``d_model``, plus the sinusoidal
    temporal encoding; ``blocks`` post-LN Transformer encoder blocks; the token of the target
    frame (centre, index N//2; last frame when ``causal``) → Conv1d(k=1) to 3·J_out.

    ``causal``: the window holds only past frames and the prediction is for its last frame
    (VideoPose3D's causal shift of (N-1)/2); sequence-level windowing places only frames ≤ t
    in the window of frame t, so no future frame can reach the output.

    The last block computes attention and FFN only for the target token: the result is
    identical to running it on every token and reading one out, at a fraction of the cost.

    ``head="sequence"``: every block runs on all N tokens and ``shrink`` maps every token to a
    pose. With ``causal`` too, attention is masked so that the pose of window frame t depends
    only on window frames ≤ t.
    """

    config: LiftFormerConfig
    positional: torch.Tensor  # a buffer: sinusoidal encodings (N, d_model)

    def __init__(self, config: LiftFormerConfig) -> None:
        super().__init__(config)
        d_model, heads, ffn, dropout = config.d_model, config.heads, config.ffn, config.dropout
        self.expand = nn.Conv1d(2 * config.num_joints_in, d_model, kernel_size=1)
        self.register_buffer(
            "positional", sinusoidal_encoding(config.receptive_field, d_model), persistent=False
        )
        self.input_dropout = nn.Dropout(dropout)
        shared = MultiHeadAttention(d_model, heads, dropout) if config.share_attention else None
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, ffn, dropout, shared or MultiHeadAttention(d_model, heads, dropout))
            for _ in range(config.blocks)
        )
        self.shrink = nn.Conv1d(d_model, 3 * config.num_joints_out, kernel_size=1)

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        if keypoints.dim() != 4 or keypoints.shape[1:] != (cfg.receptive_field, cfg.num_joints_in, 2):
            raise ValueError(
                f"LiftFormer expects input (batch, {cfg.receptive_field}, {cfg.num_joints_in}, 2), "
                f"got {tuple(keypoints.shape)}"
            )
        b, n = keypoints.shape[:2]
        x = self.expand(keypoints.reshape(b, n, -1).transpose(1, 2)).transpose(1, 2)
        x = self.input_dropout(x + self.positional)
        if cfg.head == "sequence":
            return self._sequence_head(x)
        for block in self.blocks[:-1]:
            x = block(x)
        x = self.blocks[-1](x, query_index=cfg.output_index)  # (B, 1, d)
        y = self.shrink(x.transpose(1, 2))  # (B, 3·J_out, 1)
        return y.transpose(1, 2).reshape(b, 1, cfg.num_joints_out, 3)

    def _sequence_head(self, x: torch.Tensor) -> torch.Tensor:
        """Encoded tokens (B, N, d) → poses (B, N, J_out, 3): full blocks, ``shrink`` on every token."""
        cfg = self.config
        for block in self.blocks:
            x = block(x, causal=cfg.causal)
        y = self.shrink(x.transpose(1, 2))  # (B, 3·J_out, N)
        return y.transpose(1, 2).reshape(x.shape[0], x.shape[1], cfg.num_joints_out, 3)

    def lift(self, keypoints: torch.Tensor, predict: Predict, batch_size: int, stride: int | None = None) -> torch.Tensor:
        """Centre head: one window per frame. Sequence head: windows every ``stride`` frames from
        frame 0 (default N), the tail edge-padded to fill the last window; each frame's poses from
        all windows covering it are averaged."""
        cfg = self.config
        if cfg.head == "centre":
            return super().lift(keypoints, predict, batch_size, stride)
        stride = sequence_stride(cfg, stride)
        n, t = cfg.receptive_field, len(keypoints)
        starts = torch.arange(-(-max(t - n, 0) // stride) + 1) * stride  # the last window may overhang T
        length = int(starts[-1]) + n
        padded = torch.cat([keypoints, keypoints[-1:].expand(length - t, *keypoints.shape[1:])])
        windows = padded.unfold(0, n, stride).movedim(-1, 1)  # (K, N, J_in, 2)
        frames = starts.unsqueeze(1) + torch.arange(n)  # (K, N) frame of every output
        total = torch.zeros(length, cfg.num_joints_out, 3)
        for i in range(0, len(windows), batch_size):
            pred = predict(windows[i : i + batch_size])
            total.index_add_(0, frames[i : i + batch_size].flatten(), pred.flatten(0, 1))
        counts = torch.zeros(length).index_add_(0, frames.flatten(), torch.ones(frames.numel()))
        return (total / counts[:, None, None])[:t]


def add_arguments(group: argparse._ActionsContainer, types: ModuleType) -> None:
    """LiftFormer's own flags."""
    d = LiftFormerConfig()
    group.add_argument("--d-model", type=types.positive_int, default=d.d_model, help="embedding width")
    group.add_argument("--heads", type=types.positive_int, default=d.heads, help="attention heads")
    group.add_argument("--blocks", type=types.positive_int, default=d.blocks, help="encoder blocks")
    group.add_argument("--ffn", type=types.positive_int, default=d.ffn, help="feed-forward width")
    group.add_argument("--share-attention", action="store_true", help="one attention module for all blocks (ALBERT style)")
    group.add_argument(
        "--head", choices=HEADS, default=d.head,
        help="centre: predict the window's target frame (paper); sequence: every window frame (liftformer only)",
    )


def from_args(args: argparse.Namespace, **shared: Any) -> LiftFormerConfig:
    if not odd_window(args.receptive_field):
        raise ValueError(f"-n {args.receptive_field}: a liftformer window is a positive odd number of frames (27, 81, 243)")
    return LiftFormerConfig(
        receptive_field=args.receptive_field, d_model=args.d_model, heads=args.heads, blocks=args.blocks,
        ffn=args.ffn, share_attention=args.share_attention, head=args.head, **shared,
    )


SPEC = ArchSpec(
    LiftFormerConfig, LiftFormer, summary="the paper", schedule="noam",
    batch_size=lambda cfg: default_batch_size(cfg.receptive_field), add_arguments=add_arguments, from_args=from_args,
)
