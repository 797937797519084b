"""MediaPipe Pose's own subgraphs, run on inputs of ours (optional extra: ``pip install -e '.[video]'``).

MediaPipe Pose (the legacy solutions API, :mod:`~liftformer.inference.sources.detector`) is one graph that follows
one person: its person detector (``PoseDetectionCpu``) finds them, its landmark model (``PoseLandmarkByRoiCpu``)
reads them in a region of interest, and the next region comes from the landmarks (``PoseLandmarksToRoi``). The
subgraphs are registered in the wheel's binary and their models (``pose_detection.tflite``,
``pose_landmark_full.tflite``, Apache-2.0) ship inside it: :class:`PoseDetector` and :class:`RoiLandmarker`
run them on their own, so that several people can each have a region (:mod:`~liftformer.inference.sources.followers`).
Nothing is downloaded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from liftformer.errors import DataError
from liftformer.inference.sources.detector import first_line, importing_mediapipe
from liftformer.inference.sources.regions import Roi

DETECTOR = """
input_stream: "IMAGE:image"
output_stream: "DETECTIONS:detections"
node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" output_stream: "DETECTIONS:detections" }
"""
LANDMARKER = """
input_stream: "IMAGE:image"
input_stream: "ROI:roi"
output_stream: "LANDMARKS:landmarks"
output_stream: "ROI_FROM_LANDMARKS:next_roi"
input_side_packet: "MODEL_COMPLEXITY:model_complexity"
input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
node { calculator: "ImagePropertiesCalculator" input_stream: "IMAGE_CPU:image" output_stream: "SIZE:image_size" }
node {
  calculator: "PoseLandmarkByRoiCpu" input_stream: "IMAGE:image" input_stream: "ROI:roi"
  input_side_packet: "MODEL_COMPLEXITY:model_complexity" input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
  output_stream: "LANDMARKS:landmarks" output_stream: "AUXILIARY_LANDMARKS:auxiliary_landmarks"
}
node {
  calculator: "PoseLandmarksToRoi" input_stream: "LANDMARKS:auxiliary_landmarks" input_stream: "IMAGE_SIZE:image_size"
  output_stream: "ROI:next_roi"
}
"""


def _graph(text: str, outputs: list[str], side_inputs: dict | None = None) -> Any:
    """A mediapipe ``SolutionBase`` running the graph ``text``, or a one-line DataError."""
    with importing_mediapipe("MediaPipe Pose"):
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python import solution_base
    try:
        return solution_base.SolutionBase(graph_config=text_format.Parse(text, calculator_pb2.CalculatorGraphConfig()),
                                          outputs=outputs, side_inputs=side_inputs)
    except Exception as e:  # noqa: BLE001 — mediapipe's graph errors are RuntimeErrors of several lines
        raise DataError(f"MediaPipe Pose cannot start ({first_line(e)}); reinstall with pip install -e '.[video]'") from None


class PoseDetector:
    """BlazePose's person detector (it keys on a visible face) on a whole image: a region per person found."""

    def __init__(self) -> None:
        self._graph = _graph(DETECTOR, ["detections"])

    def regions(self, image: np.ndarray) -> list[Roi]:
        """The regions MediaPipe would read the people of ``image`` (RGB uint8) through, in its pixels."""
        height, width = image.shape[:2]
        found = self._graph.process({"image": image}).detections or []
        out = []
        for detection in found:
            points = detection.location_data.relative_keypoints  # 0: hips' centre, 1: the body circle's top
            out.append(Roi.aligned(np.array([points[0].x * width, points[0].y * height]),
                                   np.array([points[1].x * width, points[1].y * height])))
        return out

    def close(self) -> None:
        self._graph.close()


class RoiLandmarker:
    """BlazePose full's landmark model on a given region of a frame (no detector, no smoothing, no state)."""

    def __init__(self) -> None:
        from mediapipe.framework.formats import rect_pb2  # loaded by _graph first, with its messages handled

        self._graph = _graph(LANDMARKER, ["landmarks", "next_roi"], {"model_complexity": 1, "enable_segmentation": False})
        self._rect = rect_pb2.NormalizedRect

    def landmarks(self, frame: np.ndarray, roi: Roi) -> tuple[np.ndarray, Roi] | None:
        """(33, 3) pixel x, y and visibility of the person in ``roi``, and the region for the next frame; None when the
        landmark model finds no person there."""
        height, width = frame.shape[:2]
        rect = self._rect(x_center=roi.x / width, y_center=roi.y / height, width=roi.side / width,
                          height=roi.side / height, rotation=roi.rotation)
        out = self._graph.process({"image": frame, "roi": rect})
        if out.landmarks is None or out.next_roi is None:
            return None
        person = np.array([(p.x * width, p.y * height, p.visibility) for p in out.landmarks.landmark], dtype=np.float64)
        nxt = out.next_roi
        return person, Roi(nxt.x_center * width, nxt.y_center * height, max(nxt.width * width, nxt.height * height), nxt.rotation)

    def close(self) -> None:
        self._graph.close()
