"""Moved to :mod:`liftformer.inference.writers.render`; its public names are re-exported here for imports written before the split."""

from liftformer.inference.writers.render import check_render_path, render_frames, write_video

__all__ = ["check_render_path", "render_frames", "write_video"]
