"""What every model and its config share: the window's target frame, a dict round trip, the
receptive field and the parameter count."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from torch import nn

T = TypeVar("T", bound="WindowConfig")


class WindowConfig:
    """Mixin for the frozen config dataclasses of models that map an N-frame window to poses."""

    receptive_field: int
    causal: bool

    @property
    def output_index(self) -> int:
        """Window position of the predicted frame: the centre, or the last frame when causal."""
        return self.receptive_field - 1 if self.causal else self.receptive_field // 2

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

    @property
    def receptive_field(self) -> int:
        return self.config.receptive_field

    def num_parameters(self) -> int:
        """Trainable parameters, each shared tensor counted once."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)
