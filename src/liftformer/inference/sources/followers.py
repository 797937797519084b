"""Several people followed each in a region of their own, as MediaPipe follows one person in a whole frame.

MediaPipe Pose follows one person by running its landmark model on a region of interest predicted from the
previous frame's landmarks, and its person detector (which sees the whole frame letterboxed into 224×224 and
keys on a visible face) only when that person is lost. Run on a whole frame with several people, that detector
misses people far away or in a portrait frame and people whose head is turned or hidden, and finds the more
visible of two who overlap. Here each person a census finds gets a :class:`Follower` holding their own region:
every frame MediaPipe's landmark subgraph (:class:`~liftformer.inference.sources.graphs.RoiLandmarker`) reads
them there and gives the next region. A follower that loses its person keeps the last region (people come back
where they were); :class:`Crowd` re-aims it where a census finds them, starts followers for people nobody
follows, and drops a follower that found nobody for ``LOST_AFTER`` frames or that landed on a body an older
follower has (:func:`~liftformer.inference.sources.regions.same_person`). A body far larger than the follower's person
was is not taken (:meth:`Follower.believes`): the follower keeps its region, as after a miss, until a census re-aims it.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor

import numpy as np

from liftformer.inference.sources.bodies import RECENT, extents, runs_away, skeleton
from liftformer.inference.sources.graphs import RoiLandmarker
from liftformer.inference.sources.regions import SAME_PERSON, SAME_REGION, Roi, hips, same_person, torso_distance

LOST_AFTER = 10  # frames in a row without the person before a follower is dropped (a census comes every 10)
WIDER = 1.3  # a region where the landmark model sees nobody is looked at again this much larger


class Follower:
    """One person: their region, the latest keypoints accepted (frame pixels; None before the first), and frames in a
    row without them."""

    def __init__(self, roi: Roi, identity: int = 0) -> None:
        self.roi, self.missed, self.identity = roi, 0, identity
        self.last: np.ndarray | None = None
        self.next: Roi | None = None  # the region the latest look predicts, taken when the look is accepted
        self.sizes: deque[float] = deque(maxlen=RECENT)  # the latest accepted bodies' extents (pixels)

    def look(self, landmarker: RoiLandmarker, frame: np.ndarray) -> np.ndarray | None:
        """The person in this follower's region; where the landmark model sees nobody, in the region ``WIDER`` times
        larger (MediaPipe would run its detector there; a body it finds that another follower has is refused later)."""
        seen = landmarker.landmarks(frame, self.roi)
        if seen is None:
            seen = landmarker.landmarks(frame, Roi(self.roi.x, self.roi.y, WIDER * self.roi.side, self.roi.rotation))
        if seen is None:
            self.next = None
            return None
        person, self.next = seen
        return person

    def accept(self, person: np.ndarray) -> None:
        self.last, self.missed = person, 0
        self.roi = self.next or Roi.around(person)
        size = float(extents(skeleton(person, "blazepose")))
        if np.isfinite(size):
            self.sizes.append(size)

    def believes(self, person: np.ndarray, image: tuple[int, int]) -> bool:
        """Whether ``person``, found in this follower's region of an ``image`` (height, width), can be its person: not a
        body that :func:`~liftformer.inference.sources.bodies.runs_away` from their size."""
        return not runs_away(float(extents(skeleton(person, "blazepose"))), self.sizes, image)

    def drift(self, person: np.ndarray | None) -> float:
        """How far ``person`` is from this follower's person of the frame before (torso lengths; inf after a miss)."""
        if person is None or self.last is None or self.missed:
            return float("inf")
        return torso_distance(person, self.last)

    def holds(self, roi: Roi) -> bool:
        """Whether a census region is this follower's person, found in the frame before."""
        if self.last is None or self.missed:
            return False
        return bool(np.hypot(*(hips(self.last) - (roi.x, roi.y))) < SAME_REGION * roi.side)


class Crowd:
    """The followers of one video's people (at most ``max_people``, ``joints`` keypoints each), looked for with
    ``landmarkers`` (one or more landmark graphs, closed by their owner), at once on ``pool``'s threads when given."""

    def __init__(self, max_people: int, joints: int, landmarkers: list[RoiLandmarker], pool: Executor | None = None) -> None:
        self.followers: list[Follower] = []  # oldest first
        self.identities = np.zeros(0, dtype=np.int64)  # the followers' ids of the people the last frame found
        self._landmarkers = landmarkers
        self._pool, self._max_people, self._joints, self._started = pool, max_people, joints, 0

    def census(self, regions: list[Roi], followed: np.ndarray | None = None) -> None:
        """The regions of the people a census found: a lost follower whose region holds one is re-aimed there; people
        nobody follows are followed anew (ids from 1, in order). ``followed``: the (33, 3) keypoints of the one person
        followed before the first census; the new follower whose region holds them takes id 1, theirs."""
        first = len(self.followers)
        for roi in regions:
            if any(f.holds(roi) for f in self.followers):
                continue
            lost = next((f for f in self.followers if f.missed and f.roi.contains(np.array([roi.x, roi.y]))), None)
            if lost is not None:
                lost.roi = roi
            elif len(self.followers) < self._max_people:
                self._started += 1
                self.followers.append(Follower(roi, self._started))
        holders = [f for f in self.followers[first:] if followed is not None and f.roi.contains(hips(followed))]
        if holders and first == 0:  # the one followed so far first, so they keep id 1
            assert followed is not None
            holder = min(holders, key=lambda f: float(np.hypot(*(hips(followed) - (f.roi.x, f.roi.y)))))
            for identity, follower in enumerate([holder] + [f for f in self.followers if f is not holder], start=1):
                follower.identity = identity

    def detect(self, frame: np.ndarray) -> np.ndarray:
        """(P, J, 3) keypoints of the people followed in this frame, one per body (``identities``: their followers'
        ids). Followers whose keypoints continue their person's are believed first, the least moved first (one
        sliding onto a still neighbour loses that body to the neighbour's own follower); then the others (after
        misses). A follower that found a body already taken has not found its person this frame and keeps its region;
        one that has not for ``LOST_AFTER`` frames is dropped (so is the later of two on one body)."""
        looks = self._look(frame)
        continuing = sorted([(f, p) for f, p in looks if f.drift(p) < SAME_PERSON], key=lambda look: look[0].drift(look[1]))
        kept: list[np.ndarray] = []
        ids: list[int] = []
        first = {id(f) for f, _ in continuing}
        for follower, found in continuing + [(f, p) for f, p in looks if id(f) not in first]:
            if found is not None and follower.believes(found, frame.shape[:2]) and not any(same_person(found, other) for other in kept):
                follower.accept(found)
                kept.append(found)
                ids.append(follower.identity)
            else:
                follower.missed += 1
        self.followers = [f for f in self.followers if f.missed < LOST_AFTER]
        self.identities = np.array(ids, dtype=np.int64)
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
        """Forget the followers (the landmark graphs are their owner's to close)."""
        self.followers = []
