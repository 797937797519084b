"""Inference: from a user's video or keypoint file to 3D poses and files, in four stages.

Each stage is a sub-package that imports only the stages before it (``tests/test_architecture.py``):

1. :mod:`~liftformer.inference.sources` — read what the user gives: keypoint files, videos, the
   MediaPipe detectors; everyone in each frame (``read_people``).
2. :mod:`~liftformer.inference.tracks` — people → tracks with stable ids, smoothing, the choice of
   whom to lift, model-ready keypoints (``prepare``) and their hygiene (swap and switch repair).
3. :mod:`~liftformer.inference.lifting` — the models: the shipped weights, whole-sequence lifting,
   streaming.
4. :mod:`~liftformer.inference.writers` — results to files: npz/JSON/CSV, BVH, renders, ONNX. Writers
   import no other stage (they take arrays and frame iterators), so no writer ever runs a detector.

:mod:`~liftformer.inference.options` (``LiftOptions``) is the settings every stage reads;
:mod:`~liftformer.inference.offline` is the offline job, one call into each stage in order:
read → people → tracks → hygiene → lift → place → write. ``pretrained``, ``streaming``, ``render`` and ``bvh``
at this level only re-export their stage's module, for imports written before the split.
"""
