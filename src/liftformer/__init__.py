"""liftformer: attention-based 2D-to-3D human pose lifting (LiftFormer, Llopart 2020)."""

from liftformer.errors import CheckpointError, DataError, LiftformerError
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
