"""Stage 4, writers: lifted poses → files. npz/JSON/CSV (``outputs``), BVH (``bvh``), renders (``render``,
drawn by ``drawing``), a run's output plan and the writing of one clip (``plan``), ONNX and int8 (``export``).

Writers import no other inference stage: they take arrays, and an iterator of video frames for a
render's background, so writing never reads or detects anything.
"""
