"""Stage 3, lifting: 2D keypoint sequences → root-relative 3D poses with a model.

``sequence`` (whole sequences in batched windows, flip TTA), ``pretrained`` (the shipped weights) and
``streaming`` (a causal model frame by frame, with its own sources). Imports ``sources`` and ``tracks``
and nothing after them. ``lift_sequence``, ``predict_windows`` and ``predict_poses`` are re-exported here,
so ``from liftformer.inference.lifting import lift_sequence`` keeps working.
"""

from liftformer.inference.lifting.sequence import lift_sequence, predict_poses, predict_windows

__all__ = ["lift_sequence", "predict_poses", "predict_windows"]
