"""Stage 1, read: what the user gives → 2D keypoints per frame, everyone in each frame.

Keypoint files (``keypoints``: npz, JSON, CSV, npy; several people per frame in JSON), videos and
webcams (``video``), the MediaPipe detectors (``detector``: one person, legacy API; ``multipose``:
everyone, a census and a follower each: ``followers``, ``graphs``, ``regions``; ``movenet`` and ``fusion``, the
default's second detector and the average of the two), whether a detection is a body (``bodies``) and the
quieting of their native logs (``native_logs``); ``read.read_people`` picks the reader by the path. Imports only ``liftformer.data``,
``errors``, ``fileio`` and ``threads`` below inference.
"""
