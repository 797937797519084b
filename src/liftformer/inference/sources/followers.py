"""Several people followed each in a region of their own, as MediaPipe follows one person in a whole frame.

MediaPipe Pose follows one person by running its landmark model on a region of interest (ROI) predicted from
the previous frame's landmarks, and its person detector (which sees the whole frame letterboxed into 224×224
and keys on a visible face) only when that person is lost. The Tasks graph's ``num_poses`` follower and the
legacy graph in a crop both fall back to that detector, which in a portrait frame misses people far away and
people whose head is turned or hidden, and in a crop holding two people finds the more visible one. Here
each person found by a census gets a :class:`Follower` holding their own ROI: every frame
:class:`RoiLandmarker` runs MediaPipe's own ``PoseLandmarkByRoiCpu`` subgraph (the landmark model inside the
wheel) on that ROI and ``PoseLandmarksToRoi`` gives the next one. A follower that loses its person keeps
the last ROI (a person often comes back there); :class:`Crowd` re-aims it where a census finds them, starts
followers for people nobody follows, and drops a follower that found nobody for ``LOST_AFTER`` frames or
that landed on a body an older follower has (:func:`~liftformer.inference.sources.tiles.same_person`).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from liftformer.inference.sources.detector import importing_mediapipe
from liftformer.inference.sources.tiles import same_person

LOST_AFTER = 10  # frames in a row without the person before a follower is dropped (a census comes every 10)
ROI_SCALE = 1.25  # MediaPipe's own ROI: the body's enclosing circle's diameter, this much enlarged
LEFT_HIP, RIGHT_HIP, LEFT_SHOULDER, RIGHT_SHOULDER = 23, 24, 11, 12  # BlazePose-33 indices
GRAPH = """
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


@dataclass(frozen=True)
class Roi:
    """A square region, rotated so the body stands upright in it: centre (x, y) and side in frame pixels, rotation
    in radians (MediaPipe's ``NormalizedRect`` convention)."""

    x: float
    y: float
    side: float
    rotation: float = 0.0

    @classmethod
    def around(cls, person: np.ndarray) -> Roi:
        """The ROI MediaPipe's detector would give one (33, 3) BlazePose detection: centred on the hips, the circle
        through the farthest keypoint enlarged ``ROI_SCALE`` times, turned so the shoulders are above the hips."""
        xy = person[:, :2]
        hips = xy[[LEFT_HIP, RIGHT_HIP]].mean(0)
        up = xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(0) - hips
        radius = float(np.nanmax(np.linalg.norm(xy - hips, axis=-1)))
        rotation = np.pi / 2 - np.arctan2(-up[1], up[0])
        return cls(float(hips[0]), float(hips[1]), 2 * radius * ROI_SCALE, float(_wrap(rotation)))

    def contains(self, point: np.ndarray) -> bool:
        return bool(np.hypot(point[0] - self.x, point[1] - self.y) <= self.side / 2)


def _wrap(angle: float) -> float:
    return (angle + np.pi) % (2 * np.pi) - np.pi


class RoiLandmarker:
    """MediaPipe's BlazePose full landmark model on a given ROI of a frame (no detector, no smoothing, no state)."""

    def __init__(self) -> None:
        with importing_mediapipe("MediaPipe Pose"):
            from google.protobuf import text_format
            from mediapipe.framework import calculator_pb2
            from mediapipe.framework.formats import rect_pb2
            from mediapipe.python import solution_base

        self._rect = rect_pb2.NormalizedRect
        config = text_format.Parse(GRAPH, calculator_pb2.CalculatorGraphConfig())
        self._graph: Any = solution_base.SolutionBase(graph_config=config, outputs=["landmarks", "next_roi"],
                                                      side_inputs={"model_complexity": 1, "enable_segmentation": False})

    def landmarks(self, frame: np.ndarray, roi: Roi) -> tuple[np.ndarray, Roi] | None:
        """(33, 3) pixel x, y and visibility of the person in ``roi``, and the ROI for the next frame; None when the
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


class Follower:
    """One person: their ROI, the latest keypoints accepted (frame pixels), and frames in a row without them."""

    def __init__(self, person: np.ndarray) -> None:
        self.roi, self.last, self.missed = Roi.around(person), person, 0
        self.next: Roi | None = None  # the ROI the latest look predicts, taken when the look is accepted

    def look(self, landmarker: RoiLandmarker, frame: np.ndarray) -> np.ndarray | None:
        seen = landmarker.landmarks(frame, self.roi)
        if seen is None:
            self.next = None
            return None
        person, self.next = seen
        return person

    def accept(self, person: np.ndarray) -> None:
        self.last, self.missed = person, 0
        self.roi = self.next or Roi.around(person)

    def reset(self, person: np.ndarray) -> None:
        """Look where a census found the person."""
        self.roi, self.last = Roi.around(person), person


class Crowd:
    """The followers of one video's people (at most ``max_people``, ``joints`` keypoints each), looked for with
    ``landmarkers`` (default: one), at once on ``pool``'s threads when given."""

    def __init__(self, max_people: int, joints: int, landmarkers: list[RoiLandmarker] | None = None,
                 pool: Executor | None = None) -> None:
        self.followers: list[Follower] = []  # oldest first
        self._landmarkers = landmarkers or [RoiLandmarker()]
        self._pool, self._max_people, self._joints = pool, max_people, joints

    def census(self, people: np.ndarray) -> None:
        """People a census found (P, J, 3): a lost follower whose ROI holds one is re-aimed there; people nobody
        follows are followed anew."""
        for person in people:
            if not np.isfinite(person[:, :2]).all() or any(same_person(person, f.last) for f in self.followers if not f.missed):
                continue
            hips = person[[LEFT_HIP, RIGHT_HIP], :2].mean(0)
            lost = next((f for f in self.followers if f.missed and f.roi.contains(hips)), None)
            if lost is not None:
                lost.reset(person)
            elif len(self.followers) < self._max_people:
                self.followers.append(Follower(person))

    def detect(self, frame: np.ndarray) -> np.ndarray:
        """(P, J, 3) keypoints of the people followed in this frame, one per body. Followers whose keypoints continue
        their person's are believed first, oldest first; then the others (after misses). A follower that found a body
        already taken has not found its person this frame and keeps its ROI; one that has not for ``LOST_AFTER``
        frames is dropped (so is the younger of two that followed one body)."""
        looks = self._look(frame)
        continuing = [(f, p) for f, p in looks if p is not None and not f.missed and same_person(p, f.last)]
        kept: list[np.ndarray] = []
        first = {id(f) for f, _ in continuing}
        for follower, found in continuing + [(f, p) for f, p in looks if id(f) not in first]:
            if found is not None and not any(same_person(found, other) for other in kept):
                follower.accept(found)
                kept.append(found)
            else:
                follower.missed += 1
        self.followers = [f for f in self.followers if f.missed < LOST_AFTER]
        return np.stack(kept) if kept else np.zeros((0, self._joints, 3))

    def _look(self, frame: np.ndarray) -> list[tuple[Follower, np.ndarray | None]]:
        """Every follower's look at ``frame``: follower i on landmark graph i mod their number, the graphs at once on
        ``pool``'s threads when given (each look depends on its ROI and the frame alone: the same either way)."""
        n = len(self._landmarkers)
        groups = [(self._landmarkers[k], self.followers[k::n]) for k in range(n) if self.followers[k::n]]

        def run(group: tuple[RoiLandmarker, list[Follower]]) -> list[np.ndarray | None]:
            return [f.look(group[0], frame) for f in group[1]]

        results = list(self._pool.map(run, groups)) if self._pool is not None and len(groups) > 1 else [run(g) for g in groups]
        found = {id(f): p for (_, members), people in zip(groups, results) for f, p in zip(members, people)}
        return [(f, found[id(f)]) for f in self.followers]

    def close(self) -> None:
        for landmarker in self._landmarkers:
            landmarker.close()
        self.followers = []
