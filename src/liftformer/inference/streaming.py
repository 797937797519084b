"""Moved to :mod:`liftformer.inference.lifting.streaming`; its public names are re-exported here for imports written before the split."""

from liftformer.inference.lifting.streaming import KeypointStream, StreamingLifter, StreamResult, keypoint_file_source, video_source

__all__ = ["KeypointStream", "StreamingLifter", "StreamResult", "keypoint_file_source", "video_source"]
