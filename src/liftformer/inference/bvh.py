"""Moved to :mod:`liftformer.inference.writers.bvh`; its public names are re-exported here for imports written before the split."""

from liftformer.inference.writers.bvh import bvh_motion, bvh_text, check_bvh_path, fit_skeleton, save_bvh

__all__ = ["bvh_motion", "bvh_text", "check_bvh_path", "fit_skeleton", "save_bvh"]
