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

import argparse
import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from liftformer.data.windows import pad_sequence
from liftformer.model.base import ArchSpec, Predict, WindowConfig, WindowModel, reject_stride

VIDEOPOSE3D_BATCH_SIZE = 1024


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

    arch = "tcn"  # class constant, not a field: the registry's name of this model family

    @property
    def receptive_field(self) -> int:  # type: ignore[override]  # a field of WindowConfig, derived here
        return math.prod(self.filter_widths)

    @property
    def width(self) -> int:
        return self.channels

    def describe(self) -> str:
        return (
            f"TCN channels={self.channels} filter_widths={','.join(map(str, self.filter_widths))} "
            f"receptive_field={self.receptive_field} joints {self.num_joints_in}->{self.num_joints_out} causal={self.causal}"
        )

    def macs_per_window(self) -> int:
        """MACs of the strided one-window form (the activations that reach its one output frame)."""
        return self._macs(dense=False)

    def macs_per_frame(self, stride: int | None = None) -> float:
        """MACs per frame of the dilated form over a long sequence: one step per layer and frame."""
        return float(self._macs(dense=True))

    def _macs(self, dense: bool) -> int:
        c, widths = self.channels, self.filter_widths
        steps = 1 if dense else self.receptive_field // widths[0]
        total = steps * 2 * self.num_joints_in * c * widths[0]
        for w in widths[1:]:
            steps = steps if dense else steps // w
            total += steps * (c * c * w + c * c)
        return total + c * 3 * self.num_joints_out

    def cost_summary(self) -> str:
        return (
            f"{super().cost_summary()}\n"
            f"cost over a long sequence: {self.macs_per_frame() / 1e6:.1f} MMAC per output frame (dilated, one pass)"
        )


class TemporalConvNet(WindowModel):
    """2D keypoints (B, T, J_in, 2) → 3D poses (B, T − N + 1, J_out, 3); one pose per N-frame window.

    ``causal``: each output is the last frame of its window (residuals are taken from the end
    of each conv's input), so no future frame reaches it.
    """

    config: TCNConfig

    def __init__(self, config: TCNConfig) -> None:
        super().__init__(config)
        c, widths = config.channels, config.filter_widths
        self.expand = nn.Conv1d(2 * config.num_joints_in, c, widths[0], bias=False)
        self.expand_bn = nn.BatchNorm1d(c, momentum=0.1)
        self.convs = nn.ModuleList(nn.Conv1d(c, c, w, bias=False) for w in widths[1:])
        self.conv_bns = nn.ModuleList(nn.BatchNorm1d(c, momentum=0.1) for _ in widths[1:])
        self.pointwise = nn.ModuleList(nn.Conv1d(c, c, 1, bias=False) for _ in widths[1:])
        self.pointwise_bns = nn.ModuleList(nn.BatchNorm1d(c, momentum=0.1) for _ in widths[1:])
        self.dropout = nn.Dropout(config.dropout)
        self.shrink = nn.Conv1d(c, 3 * config.num_joints_out, 1)

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
                x = F.conv1d(x, self._conv_weight(i), stride=w)
            else:
                span = (w - 1) * dilation
                offset = span if cfg.causal else span // 2
                residual = x[:, :, offset : x.shape[2] - span + offset]
                x = F.conv1d(x, self._conv_weight(i), dilation=dilation)
            x = self._act(self.conv_bns[i], x)
            x = residual + self._act(self.pointwise_bns[i], self.pointwise[i](x))
            dilation *= w
        y = self.shrink(x)  # (B, 3·J_out, T − N + 1)
        return y.transpose(1, 2).reshape(b, -1, cfg.num_joints_out, 3)

    def _conv_weight(self, i: int) -> torch.Tensor:
        conv = self.convs[i]
        assert isinstance(conv, nn.Conv1d)
        return conv.weight

    def _act(self, bn: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(F.relu(bn(x)))

    def lift(self, keypoints: torch.Tensor, predict: Predict, batch_size: int, stride: int | None = None) -> torch.Tensor:
        """Fully convolutional: the sequence, padded as for sliding windows, runs through the dilated
        form in chunks of ``batch_size · N`` output frames (each with its N − 1 frames of context);
        every output is one window's pose."""
        reject_stride(stride)
        n = self.config.receptive_field
        padded = pad_sequence(keypoints, n, self.config.causal)
        chunk = max(batch_size, 1) * n
        return torch.cat([predict(padded[i : i + chunk + n - 1].unsqueeze(0))[0] for i in range(0, len(keypoints), chunk)])


def add_arguments(group: argparse._ActionsContainer, types: ModuleType) -> None:
    """The TCN's own flags."""
    group.add_argument("--channels", type=types.positive_int, default=TCNConfig.channels, help="tcn: convolution channels")
    group.add_argument("--filter-widths", default=None,
                       help="tcn: comma-separated widths (default: 3s whose product is N, e.g. 3,3,3 for 27)")


def from_args(args: argparse.Namespace, **shared: Any) -> TCNConfig:
    """``--filter-widths``, or widths of 3 for ``--receptive-field``; ``shared``: the fields every family has."""
    if args.filter_widths:
        widths = tuple(int(w) for w in args.filter_widths.split(","))
    else:
        try:
            widths = default_filter_widths(args.receptive_field)
        except ValueError:
            raise ValueError(f"-n {args.receptive_field}: a tcn window is 3^k frames with k ≥ 2 (9, 27, 81, 243), "
                             "or give --filter-widths") from None
    cfg = TCNConfig(filter_widths=widths, channels=args.channels, **shared)
    if args.filter_widths and cfg.receptive_field != args.receptive_field:
        print(f"note: --filter-widths {args.filter_widths} give a receptive field of {cfg.receptive_field}")
    return cfg


SPEC = ArchSpec(
    TCNConfig, TemporalConvNet, summary="VideoPose3D's dilated temporal convolutions, a baseline",
    schedule="exponential", batch_size=lambda cfg: VIDEOPOSE3D_BATCH_SIZE, add_arguments=add_arguments, from_args=from_args,
)
