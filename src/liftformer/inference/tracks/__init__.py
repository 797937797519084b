"""Stage 2, people → clean tracks: tracking with stable ids, the choice of whom to lift, smoothing,
model-ready keypoints and their hygiene.

``tracking`` (Hungarian assignment, ``select_people``), ``tail_swaps`` (ids exchanged between tracks),
``smoothing`` (One-Euro, for detectors that do not smooth), ``prepare`` (missing joints filled, layout
converted to H36M-17, normalised) and ``hygiene`` (left/right swaps, identity switches inside a track).
Imports ``sources`` (the keypoint types) and nothing after it.
"""
