"""The temporal convolutional baseline of VideoPose3D (Pavllo et al. 2019), for comparison.

Dilated 1D convolutions over time: an expand conv of width w₀, then residual blocks of a
width-wᵢ conv with dilation w₀·…·wᵢ₋₁ and a 1×1 conv, each followed by batch norm, ReLU and
dropout; a 1×1 conv to 3·J_out. The receptive field is the product of the widths
(3,3,3 → 27; 3,3,3,3,3 → 243). 1024 channels, dropout 0.25, as in the paper.

One window of exactly N frames (training, streaming) runs the strided form of VideoPose3D's
``TemporalModelOptimized1f``: widths as strides, no dilation, so only the activations that
reach the single output frame are computed. A longer input (T > N) runs the dilated form and
returns T − N + 1 poses: the same weights, whole sequences in one pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from liftformer.model.base import WindowConfig, WindowModel


def default_filter_widths(receptive_field: int) -> tuple[int, ...]:
    """Widths of 3 whose product is ``receptive_field`` (27 → 3,3,3), as VideoPose3D's ``-arc``."""
    widths, n = [], receptive_field
    while n > 1 and n % 3 == 0:
        widths.append(3)
        n //= 3
    if n != 1 or len(widths) < 2:
        raise ValueError(
            f"receptive_field {receptive_field} is not 3^k with k ≥ 2; give filter_widths explicitly"
        )
    return tuple(widths)


@dataclass(frozen=True)
class TCNConfig(WindowConfig):
    """Every hyper-parameter of the TCN; round-trips through a checkpoint."""

    num_joints_in: int = 17
    num_joints_out: int = 17
    filter_widths: tuple[int, ...] = (3, 3, 3)
    channels: int = 1024
    dropout: float = 0.25
    causal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "filter_widths", tuple(int(w) for w in self.filter_widths))
        if len(self.filter_widths) < 2 or any(w < 1 or w % 2 == 0 for w in self.filter_widths):
            raise ValueError(f"filter_widths must be ≥ 2 odd positive widths, got {self.filter_widths}")
        for name in ("num_joints_in", "num_joints_out", "channels"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    arch = "tcn"  # class constants, not fields: the registry's name, and the head it always has
    head = "centre"
    output_frames = 1

    @property
    def receptive_field(self) -> int:
        return math.prod(self.filter_widths)

    @property
    def d_model(self) -> int:
        """The width, under the name the Noam schedule uses."""
        return self.channels



class TemporalConvNet(WindowModel):
    """2D keypoints (B, T, J_in, 2) → 3D poses (B, T − N + 1, J_out, 3); one pose per N-frame window.

    ``causal``: each output is the last frame of its window (residuals are taken from the end
    of each conv's input), so no future frame reaches it.
    """

    def __init__(self, config: TCNConfig) -> None:
        super().__init__()
        self.config = config
        c, widths = config.channels, config.filter_widths
        self.expand = nn.Conv1d(2 * config.num_joints_in, c, widths[0], bias=False)
        self.expand_bn = nn.BatchNorm1d(c, momentum=0.1)
        self.convs = nn.ModuleList(nn.Conv1d(c, c, w, bias=False) for w in widths[1:])
        self.conv_bns = nn.ModuleList(nn.BatchNorm1d(c, momentum=0.1) for _ in widths[1:])
        self.pointwise = nn.ModuleList(nn.Conv1d(c, c, 1, bias=False) for _ in widths[1:])
        self.pointwise_bns = nn.ModuleList(nn.BatchNorm1d(c, momentum=0.1) for _ in widths[1:])
        self.dropout = nn.Dropout(config.dropout)
        self.shrink = nn.Conv1d(c, 3 * config.num_joints_out, 1)

    @classmethod
    def from_config(cls, config: TCNConfig) -> TemporalConvNet:
        return cls(config)

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        n = cfg.receptive_field
        if keypoints.dim() != 4 or keypoints.shape[1] < n or keypoints.shape[2:] != (cfg.num_joints_in, 2):
            raise ValueError(
                f"TCN expects input (batch, ≥{n}, {cfg.num_joints_in}, 2), got {tuple(keypoints.shape)}"
            )
        b, t = keypoints.shape[:2]
        x = keypoints.reshape(b, t, -1).transpose(1, 2)  # (B, 2·J_in, T)
        strided = t == n
        widths = cfg.filter_widths
        x = self._act(self.expand_bn, F.conv1d(x, self.expand.weight, stride=widths[0] if strided else 1))
        dilation = widths[0]
        for i, w in enumerate(widths[1:]):
            if strided:  # each group of w consecutive steps feeds one output step
                offset = w - 1 if cfg.causal else w // 2
                residual = x[:, :, offset::w]
                x = F.conv1d(x, self.convs[i].weight, stride=w)
            else:
                span = (w - 1) * dilation
                offset = span if cfg.causal else span // 2
                residual = x[:, :, offset : x.shape[2] - span + offset]
                x = F.conv1d(x, self.convs[i].weight, dilation=dilation)
            x = self._act(self.conv_bns[i], x)
            x = residual + self._act(self.pointwise_bns[i], self.pointwise[i](x))
            dilation *= w
        y = self.shrink(x)  # (B, 3·J_out, T − N + 1)
        return y.transpose(1, 2).reshape(b, -1, cfg.num_joints_out, 3)

    def _act(self, bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(F.relu(bn(x)))
