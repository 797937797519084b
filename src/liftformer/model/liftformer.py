"""The LiftFormer model (Llopart 2020): 2D keypoint window → root-relative 3D pose of one frame.

Beyond the paper, ``head="sequence"`` predicts a 3D pose for every frame of the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from liftformer.model.base import WindowConfig, WindowModel
from liftformer.model.layers import EncoderBlock, MultiHeadAttention, sinusoidal_encoding

HEADS = ("centre", "sequence")


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
        if self.receptive_field < 1 or self.receptive_field % 2 == 0:
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
    def output_frames(self) -> int:
        """Poses per window: 1 for the centre head, N for the sequence head."""
        return self.receptive_field if self.head == "sequence" else 1



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

    def __init__(
        self,
        num_joints_in: int = 17,
        num_joints_out: int = 17,
        receptive_field: int = 27,
        d_model: int = 512,
        heads: int = 8,
        blocks: int = 6,
        ffn: int = 2048,
        dropout: float = 0.1,
        share_attention: bool = False,
        causal: bool = False,
        head: str = "centre",
    ) -> None:
        super().__init__()
        self.config = LiftFormerConfig(
            num_joints_in=num_joints_in,
            num_joints_out=num_joints_out,
            receptive_field=receptive_field,
            d_model=d_model,
            heads=heads,
            blocks=blocks,
            ffn=ffn,
            dropout=dropout,
            share_attention=share_attention,
            causal=causal,
            head=head,
        )
        self.expand = nn.Conv1d(2 * num_joints_in, d_model, kernel_size=1)
        self.register_buffer(
            "positional", sinusoidal_encoding(receptive_field, d_model), persistent=False
        )
        self.input_dropout = nn.Dropout(dropout)
        shared = MultiHeadAttention(d_model, heads, dropout) if share_attention else None
        self.blocks = nn.ModuleList(
            EncoderBlock(d_model, ffn, dropout, shared or MultiHeadAttention(d_model, heads, dropout))
            for _ in range(blocks)
        )
        self.shrink = nn.Conv1d(d_model, 3 * num_joints_out, kernel_size=1)

    @classmethod
    def from_config(cls, config: LiftFormerConfig) -> LiftFormer:
        return cls(**config.to_dict())

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
