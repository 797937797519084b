"""Stage 2, people → clean tracks: tracking with stable ids, the choice of whom to lift, smoothing,
model-ready keypoints and their hygiene.

``tracking`` (Hungarian assignment, ``select_people``), ``plausibility`` (frames that are not a body dropped),
``tail_swaps`` (ids exchanged between tracks),
``smoothing`` (One-Euro, for detectors that do not smooth), ``prepare`` (missing joints filled, layout
converted to H36M-17, normalised), ``swaps`` (left/right exchanges, checked against the torso) and ``hygiene``
(the repair of a track: swaps and identity switches inside it).
Imports ``sources`` (the keypoint types) and nothing after it.
"""
