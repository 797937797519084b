"""LiftFormer's weights in a plain ``nn.TransformerEncoder``: the reference its speed is measured
against, and a check that the centre-query last block changes nothing."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from liftformer.model.liftformer import LiftFormer


class PlainEncoderReference(nn.Module):
    """The same network as a plain ``nn.TransformerEncoder``: every block runs on all N tokens.

    Shares the weights of a centre-head :class:`LiftFormer` (copied once).
    """

    def __init__(self, model: LiftFormer) -> None:
        super().__init__()
        cfg = model.config
        self.config = cfg
        layer = nn.TransformerEncoderLayer(
            cfg.d_model, cfg.heads, cfg.ffn, cfg.dropout, activation="relu", batch_first=True, norm_first=False
        )
        self.encoder = nn.TransformerEncoder(layer, cfg.blocks, enable_nested_tensor=False)
        mine_blocks: list[Any] = list(model.blocks)  # ModuleList items are typed as bare Modules
        for mine, theirs in zip(mine_blocks, self.encoder.layers):
            theirs.self_attn.in_proj_weight.data.copy_(mine.attention.qkv.weight)
            theirs.self_attn.in_proj_bias.data.copy_(mine.attention.qkv.bias)
            theirs.self_attn.out_proj.load_state_dict(mine.attention.out.state_dict())
            theirs.linear1.load_state_dict(mine.ffn[0].state_dict())
            theirs.linear2.load_state_dict(mine.ffn[3].state_dict())
            theirs.norm1.load_state_dict(mine.norm1.state_dict())
            theirs.norm2.load_state_dict(mine.norm2.state_dict())
        self.expand: nn.Module = model.expand
        self.shrink: nn.Module = model.shrink
        self.register_buffer("positional", model.positional.clone(), persistent=False)

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        b, n = keypoints.shape[:2]
        x = self.expand(keypoints.reshape(b, n, -1).transpose(1, 2)).transpose(1, 2) + self.positional
        x = self.encoder(x)[:, cfg.output_index : cfg.output_index + 1]
        return self.shrink(x.transpose(1, 2)).transpose(1, 2).reshape(b, 1, cfg.num_joints_out, 3)
