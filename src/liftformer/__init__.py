"""liftformer: attention-based 2D-to-3D human pose lifting (LiftFormer, Llopart 2020).

The model classes load torch when first used (``liftformer.LiftFormer``), not on ``import liftformer``, so the
command line can start, and be interrupted, before torch is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from liftformer.errors import CheckpointError, DataError, LiftformerError

if TYPE_CHECKING:
    from liftformer.model import LiftFormer, LiftFormerConfig

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "DataError",
    "LiftFormer",
    "LiftFormerConfig",
    "LiftformerError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in ("LiftFormer", "LiftFormerConfig"):
        from liftformer import model

        return getattr(model, name)
    raise AttributeError(f"module 'liftformer' has no attribute {name!r}")
