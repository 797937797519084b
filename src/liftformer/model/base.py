"""What every model family shares: the config and network interface, and :class:`ArchSpec`, the one
place where a family declares what differs (registered in :mod:`liftformer.model.registry`)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, TypeVar

import torch
from torch import nn

from liftformer.data.windows import sliding_windows

T = TypeVar("T", bound="WindowConfig")
Predict = Callable[[torch.Tensor], torch.Tensor]  # model input batch → poses (B, F, J_out, 3), float, on the CPU


class WindowConfig:
    """Mixin for the frozen config dataclasses of models that map an N-frame window to poses."""

    arch: ClassVar[str]  # the registry's name of the family, written into checkpoints
    num_joints_in: int
    num_joints_out: int
    receptive_field: int
    dropout: float
    causal: bool

    @property
    def head(self) -> str:
        """Frames a window's output covers, and so the training targets: "centre" (its target frame) or "sequence"."""
        return "centre"

    @property
    def output_frames(self) -> int:
        """Poses per window: 1 (centre), N (sequence)."""
        return self.receptive_field if self.head == "sequence" else 1

    @property
    def output_index(self) -> int:
        """Window position of the predicted frame: the centre, or the last frame when causal."""
        return self.receptive_field - 1 if self.causal else self.receptive_field // 2

    @property
    def width(self) -> int:
        """Hidden width: the ``d_model`` that scales the Noam learning rate."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line naming the architecture and every shape-defining setting."""
        raise NotImplementedError

    def macs_per_window(self) -> int:
        """Multiply-accumulates of one forward pass on one window (matrix products only)."""
        raise NotImplementedError

    def macs_per_frame(self, stride: int | None = None) -> float:
        """MACs per output frame when lifting a long sequence; by default one window per frame."""
        if stride not in (None, 1):
            raise ValueError("stride applies only to the sequence head (the centre head runs one window per frame)")
        return float(self.macs_per_window())

    def cost_summary(self) -> str:
        """The cost lines of ``liftformer info``."""
        return f"cost: {self.macs_per_window() / 1e6:.1f} MMAC per output frame (one window)"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], d: dict[str, Any]) -> T:
        """Inverse of :meth:`to_dict`; fields missing from older checkpoints take their defaults."""
        fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(d) - fields
        if unknown:
            raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")
        return cls(**d)


class WindowModel(nn.Module):
    """Base of the lifting networks: ``config`` (a :class:`WindowConfig`) and the shared queries."""

    config: WindowConfig

    def __init__(self, config: WindowConfig) -> None:
        super().__init__()
        self.config = config

    def forward(self, keypoints: torch.Tensor) -> torch.Tensor:
        """Windows (B, N, J_in, 2) → poses (B, ``config.output_frames``, J_out, 3)."""
        raise NotImplementedError

    @property
    def receptive_field(self) -> int:
        return self.config.receptive_field

    def num_parameters(self) -> int:
        """Trainable parameters, each shared tensor counted once."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def lift(self, keypoints: torch.Tensor, predict: Predict, batch_size: int, stride: int | None = None) -> torch.Tensor:
        """Poses (T, J_out, 3) of a whole sequence (T, J_in, 2), inputs run through ``predict``
        ``batch_size`` windows at a time. By default one window per frame (edge-padded; past-only
        when causal), keeping the pose of each window's target frame."""
        reject_stride(stride)
        cfg = self.config
        windows = sliding_windows(keypoints, cfg.receptive_field, cfg.causal)
        frame = 0 if cfg.output_frames == 1 else cfg.output_index
        return torch.cat([predict(windows[i : i + batch_size])[:, frame] for i in range(0, len(windows), batch_size)])


def reject_stride(stride: int | None) -> None:
    """Only a sequence-head model lifts with a window stride."""
    if stride is not None:
        raise ValueError("stride applies only to a sequence-head model (the centre head runs one window per frame)")


@dataclass(frozen=True)
class ArchSpec:
    """A model family: its config and network classes, and what about it is not the network.

    ``add_arguments(group, types)`` declares the family's own CLI flags (``types`` is
    :mod:`liftformer.cli.options`, passed in so that the model does not import the CLI);
    ``from_args(args, **shared)`` builds its config from them and the shared fields
    (joints, dropout, causal).
    """

    config: type[WindowConfig]
    model: type[WindowModel]
    summary: str  # what the family is, for --arch's help
    schedule: str  # default learning-rate schedule: "noam" or "exponential"
    batch_size: Callable[[WindowConfig], int]  # default training batch
    add_arguments: Callable[[argparse._ActionsContainer, ModuleType], None]
    from_args: Callable[..., WindowConfig]
    onnx: bool = True  # inference.export.export_onnx supports it

    @property
    def name(self) -> str:
        return self.config.arch
