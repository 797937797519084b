"""Transformer building blocks: sinusoidal encoding, SDPA attention, post-LN encoder block."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal_encoding(length: int, d_model: int) -> torch.Tensor:
    """The fixed positional encoding of "Attention is all you need", shape (length, d_model).

    PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).
    """
    if d_model % 2:
        raise ValueError(f"d_model must be even for the sinusoidal encoding, got {d_model}")
    # computed on the CPU even under a torch.device("meta") context (a checkpoint's size check), where these few
    # element-wise ops would go through slow decompositions (~1.5 s on the first call)
    position = torch.arange(length, dtype=torch.float64, device="cpu").unsqueeze(1)
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64, device="cpu") * (-math.log(10000.0) / d_model))
    pe = torch.zeros(length, d_model, dtype=torch.float64, device="cpu")
    pe[:, 0::2] = torch.sin(position * div)
    pe[:, 1::2] = torch.cos(position * div)
    return pe.float()


class MultiHeadAttention(nn.Module):
    """Multi-head self-attention through ``F.scaled_dot_product_attention``.

    One fused q/k/v projection and one output projection: 4·(d² + d) parameters, as in the
    base Transformer. ``query`` may be a subset of the tokens (e.g. only the centre token)
    attending to all of ``context``; ``causal`` masks attention so token t sees tokens ≤ t.
    """

    def __init__(self, d_model: int, heads: int, dropout: float) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")
        self.d_model = d_model
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.heads, self.d_model // self.heads).transpose(1, 2)

    def forward(self, context: torch.Tensor, query_index: int | None = None, causal: bool = False) -> torch.Tensor:
        """Attend over ``context`` (B, N, d); with ``query_index`` only that token queries.

        Returns (B, N, d), or (B, 1, d) when ``query_index`` is given. ``causal`` (all tokens
        query, no ``query_index``) applies the lower-triangular mask: token t attends to ≤ t.
        """
        if causal and query_index is not None:
            raise ValueError("a causal mask needs every token as a query (no query_index)")
        b, n, d = context.shape
        if query_index is None or not isinstance(self.qkv, nn.Linear):  # e.g. int8-quantised: no .weight
            q, k, v = self.qkv(context).split(d, dim=-1)
            if query_index is not None:
                q = q[:, query_index : query_index + 1]
        else:
            w_q, w_kv = self.qkv.weight.split([d, 2 * d], dim=0)
            b_q, b_kv = self.qkv.bias.split([d, 2 * d], dim=0)
            q = F.linear(context[:, query_index : query_index + 1], w_q, b_q)
            k, v = F.linear(context, w_kv, b_kv).split(d, dim=-1)
        y = F.scaled_dot_product_attention(
            self._split(q),
            self._split(k),
            self._split(v),
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=causal,
        )
        y = y.transpose(1, 2).reshape(b, q.shape[1], d)
        return self.out(y)


class EncoderBlock(nn.Module):
    """Base-Transformer encoder block, post-LN: x = LN(x + Attn(x)); x = LN(x + FFN(x)).

    ``attention`` may be a module shared with other blocks (ALBERT-style sharing); the FFN and
    LayerNorms always belong to this block.
    """

    def __init__(self, d_model: int, ffn: int, dropout: float, attention: MultiHeadAttention) -> None:
        super().__init__()
        self.attention = attention
        self.norm1 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, ffn),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(ffn, d_model),
        )
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, query_index: int | None = None, causal: bool = False) -> torch.Tensor:
        """(B, N, d) → (B, N, d); with ``query_index`` → (B, 1, d) for that token only.

        ``causal`` masks the attention so that token t only sees tokens ≤ t.
        """
        residual = x if query_index is None else x[:, query_index : query_index + 1]
        x = self.norm1(residual + self.dropout(self.attention(x, query_index, causal)))
        return self.norm2(x + self.dropout(self.ffn(x)))
