"""Moved to :mod:`liftformer.inference.lifting.pretrained`; its public names are re-exported here for imports written before the split."""

from liftformer.inference.lifting.pretrained import SHIPPED, load_model, shipped_weights_path

__all__ = ["SHIPPED", "load_model", "shipped_weights_path"]
