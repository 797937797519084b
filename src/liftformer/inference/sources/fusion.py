"""Two detectors as one: BlazePose (the followers) and MoveNet MultiPose, each person's keypoints averaged.

The two fail differently. BlazePose's person detector keys on a face and its landmark model reads a back view as
a front one or puts a hidden head on a neighbour's face; MoveNet finds everyone in one pass but places keypoints
less tightly. Each frame's people are paired across the two by their shoulders and hips; where MoveNet's left
and right are BlazePose's exchanged, face, arms or legs, BlazePose's are exchanged to agree (on Demo_MultiPerson's
4-view consensus BlazePose mirrors 38 of 800 person-frames and MoveNet none); the pair's COCO-17 keypoints are
averaged. A person only one of them found is kept as found. On Pose2Sim's Demo_MultiPerson this lowers the real
yardstick's P-MPJPE below either detector's alone, against either detector's own triangulation (BENCHMARKS.md).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from scipy.optimize import linear_sum_assignment

from liftformer.data.layouts import blazepose_to_coco
from liftformer.inference.sources.movenet import MoveNet
from liftformer.inference.sources.multipose import MediaPipeMultiPoseDetector

TORSO = [5, 6, 11, 12]  # COCO-17 shoulders and hips
PAIRED = 0.6  # two detections whose shoulders and hips lie this close (mean, in torso lengths) are one person
MOVENET_EVERY = 2  # frames between two of MoveNet's while everyone it finds is followed by BlazePose too
LONE_FRAMES = 10  # MoveNet runs on every frame until this many after it last found someone BlazePose does not follow
SIDES = (((1, 2), (3, 4)), ((5, 6), (7, 8), (9, 10)), ((11, 12), (13, 14), (15, 16)))  # COCO-17 left/right pairs: face, arms, legs


def _torso_length(person: np.ndarray) -> float:
    return max(float(np.linalg.norm(person[[5, 6], :2].mean(0) - person[[11, 12], :2].mean(0))), 1.0)


def agree(blazepose: np.ndarray, movenet: np.ndarray) -> np.ndarray:
    """BlazePose's (17, 3) COCO-17 keypoints of one person with left and right taken as MoveNet's, group by group
    (face, arms, legs): a group's pairs are exchanged where that puts them nearer MoveNet's."""
    out = blazepose.copy()
    for group in SIDES:
        as_is = [j for pair in group for j in pair]
        exchanged = [j for left, right in group for j in (right, left)]
        if (np.nanmean(np.linalg.norm(blazepose[exchanged, :2] - movenet[as_is, :2], axis=-1))
                < np.nanmean(np.linalg.norm(blazepose[as_is, :2] - movenet[as_is, :2], axis=-1))):
            out[as_is] = blazepose[exchanged]
    return out


def fuse(blazepose: np.ndarray, movenet: np.ndarray, identities: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One frame's people from BlazePose's (P, 33, 3) and MoveNet's (Q, 17, 3) detections: (N, 17, 3) COCO-17 pixel
    x, y and score (pairs averaged, the higher score kept; the unpaired as found, BlazePose's first) and (N,) ids
    (BlazePose's ``identities`` where given, -1 for MoveNet's unpaired and where none were given)."""
    return _fused(blazepose, movenet, identities)[:2]


def _fused(blazepose: np.ndarray, movenet: np.ndarray, identities: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]]:
    """:func:`fuse`'s people and ids, and each pair as (BlazePose's id, its agreed COCO-17 keypoints, MoveNet's)."""
    coco = blazepose_to_coco(blazepose) if len(blazepose) else np.zeros((0, 17, 3))
    ids = np.full(len(coco), -1, dtype=np.int64) if identities is None or len(identities) != len(coco) else np.asarray(identities)
    out, out_ids, paired, pairs = [], [], set(), []
    if len(coco) and len(movenet):
        cost = np.array([[_torso_distance(b, m) for m in movenet] for b in coco])
        for r, c in zip(*linear_sum_assignment(np.nan_to_num(cost, nan=1e6))):
            if cost[r, c] < PAIRED:
                b, m = agree(coco[r], movenet[c]), movenet[c]
                out.append(_mean(b, m))
                out_ids.append(ids[r])
                paired |= {("b", int(r)), ("m", int(c))}
                pairs.append((int(ids[r]), b, m))
    out += [b for r, b in enumerate(coco) if ("b", r) not in paired]
    out_ids += [ids[r] for r in range(len(coco)) if ("b", r) not in paired]
    out += [m for c, m in enumerate(movenet) if ("m", c) not in paired]
    out_ids += [-1] * (len(movenet) - sum(1 for kind, _ in paired if kind == "m"))
    return np.array(out, dtype=np.float64).reshape(-1, 17, 3), np.array(out_ids, dtype=np.int64), pairs


def _mean(blazepose: np.ndarray, movenet: np.ndarray) -> np.ndarray:
    """A pair's (17, 3) keypoints averaged, the higher score of the two kept."""
    mean = (blazepose + movenet) / 2
    mean[:, 2] = np.maximum(blazepose[:, 2], movenet[:, 2])
    return mean


def carried(blazepose: np.ndarray, identities: np.ndarray, held: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """One frame's (P, 17, 3) COCO-17 people from BlazePose's (P, 33, 3) alone, each person ``held`` (BlazePose id →
    their agreed keypoints and MoveNet's, at the last frame MoveNet ran) corrected as that frame was: left and right
    agreed with MoveNet's of then, then moved by half of MoveNet's difference from them then (what averaging
    would have added, held one frame); the others as found."""
    coco = blazepose_to_coco(blazepose) if len(blazepose) else np.zeros((0, 17, 3))
    out = coco.copy()
    for k, identity in enumerate(identities.tolist()):
        if identity in held:
            then, movenet = held[identity]
            now = agree(coco[k], movenet)
            out[k, :, :2] = now[:, :2] + (movenet[:, :2] - then[:, :2]) / 2
            out[k, :, 2] = np.maximum(now[:, 2], movenet[:, 2])
    return out


def _torso_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance of two (17, 3) COCO-17 detections' shoulders and hips, in ``a``'s torso lengths, their left and
    right as they are or exchanged, whichever is nearer (one body mirrored by one detector is still one body)."""
    mirrored = [6, 5, 12, 11]
    near = min(np.linalg.norm(a[TORSO, :2] - b[side, :2], axis=-1).mean() for side in (TORSO, mirrored))
    return float(near) / _torso_length(a)


class FusedDetector:
    """BlazePose's followers on every frame and MoveNet (on its own thread meanwhile) on every ``movenet_every``-th,
    :func:`fuse`\\ d; on the frames between, each person MoveNet and BlazePose both found is :func:`carried` with the
    correction of the frame before. MoveNet runs on every frame while it finds someone BlazePose does not follow
    (and ``LONE_FRAMES`` after: they may be missed for a frame or two; so on a video's first ``LONE_FRAMES`` frames
    too) and on the frame after BlazePose's people change (someone lost or new); otherwise MoveNet is the census,
    and BlazePose's own is not run. Keypoints are never smoothed over time here (``smoothed`` False: the tracked
    people are smoothed).

    ``identities`` number people 1, 2, … in the order they appear, never one id twice in a frame: a BlazePose
    follower keeps one id; a person only MoveNet finds keeps the id of the one of the frame before whose shoulders
    and hips are within ``PAIRED`` torso lengths (and keeps it when a new follower takes them up; an id another
    follower holds is never taken over by a follower, unless MoveNet alone carried that person since)."""

    layout = "coco"
    smoothed = False

    def __init__(self, blazepose: MediaPipeMultiPoseDetector | None = None, movenet: MoveNet | None = None,
                 movenet_every: int = MOVENET_EVERY) -> None:
        self._movenet = movenet or MoveNet()  # first: a missing install is refused before BlazePose starts
        self._blazepose = blazepose or MediaPipeMultiPoseDetector()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="movenet")
        self.identities = np.zeros(0, dtype=np.int64)
        self._of_follower: dict[int, int] = {}  # BlazePose follower id → id given
        self._last: list[tuple[int, np.ndarray]] = []  # the frame before's people (id, keypoints)
        self._given, self._frames, self._every = 0, 0, max(1, movenet_every)
        self._held: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # BlazePose id → (agreed, MoveNet's) at MoveNet's last frame
        self._alone_at = 0  # the last frame MoveNet found someone BlazePose did not follow or held no one (the first)
        self._followed: list[int] = []  # BlazePose's ids of the frame before
        self._next: np.ndarray | None = None  # the frame after the next one asked about (upcoming)
        self._ahead: Future | None = None  # MoveNet's look at the next frame, begun early

    def upcoming(self, frame_rgb: np.ndarray) -> None:
        """The frame after the one :meth:`detect_people` is given next: MoveNet, if it is sure to run there, looks at
        it as soon as it is done with that one (its thread need not wait for BlazePose; the results are the same)."""
        self._next = frame_rgb

    def _due(self, t: int) -> bool:
        """Whether MoveNet runs on frame ``t`` (later frames of MoveNet's only make it more so)."""
        return t % self._every == 0 or self._lone_lately(t)

    def _lone_lately(self, t: int) -> bool:
        """Whether MoveNet found someone BlazePose did not follow (or held no one) within ``LONE_FRAMES`` before ``t``."""
        return t - self._alone_at <= LONE_FRAMES

    def detect_people(self, frame_rgb: np.ndarray) -> np.ndarray:
        t, self._frames = self._frames, self._frames + 1
        other, self._ahead = self._ahead, None  # MoveNet's look at this frame, when it began early
        if other is None and self._due(t):
            other = self._pool.submit(self._movenet.people, frame_rgb)
        if self._next is not None and self._due(t + 1):  # queued behind this frame's
            self._ahead = self._pool.submit(self._movenet.people, self._next)
        self._next = None
        if isinstance(self._blazepose, MediaPipeMultiPoseDetector):  # MoveNet is the census while all it finds are followed
            self._blazepose.census_wanted = self._lone_lately(t)
        blazepose = self._blazepose.detect_people(frame_rgb)
        ids = getattr(self._blazepose, "identities", None)
        followed = [] if ids is None or len(ids) != len(blazepose) else sorted(ids.tolist())
        if other is None and (ids is None or followed != self._followed):  # someone lost or new: MoveNet looks now
            other = self._pool.submit(self._movenet.people, frame_rgb)
        self._followed = followed
        if other is None:
            assert ids is not None
            people = carried(blazepose, ids, self._held)
            followers = np.asarray(ids, dtype=np.int64)
        else:
            found = other.result()
            people, followers, pairs = _fused(blazepose, found, ids)
            self._held = {identity: (b, m) for identity, b, m in pairs if identity >= 0}
            if len(pairs) < len(found) or not self._held:
                self._alone_at = t
        self.identities = self._name(people, followers)
        return people

    def _name(self, people: np.ndarray, followers: np.ndarray) -> np.ndarray:
        """Ids for one frame's fused ``people`` from their BlazePose ``followers`` (-1: none) and the frame before."""
        ids = np.zeros(len(people), dtype=np.int64)
        taken = {self._of_follower[int(f)] for f in followers if int(f) in self._of_follower}
        held = set(self._of_follower.values())  # ids of followers, here or not
        for k, (person, follower) in enumerate(zip(people, followers)):
            if int(follower) in self._of_follower:
                ids[k] = self._of_follower[int(follower)]
                continue
            near = [(d, i) for i, before in self._last
                    if i not in taken and (follower < 0 or i not in held) and (d := _torso_distance(before, person)) < PAIRED]
            if near:
                ids[k] = min(near)[1]
                if follower < 0 and ids[k] in held:  # MoveNet carries a lost follower's person: the next follower may too
                    self._of_follower = {f: i for f, i in self._of_follower.items() if i != ids[k]}
                    held.discard(int(ids[k]))
            else:
                self._given += 1
                ids[k] = self._given
            taken.add(int(ids[k]))
            if follower >= 0:
                self._of_follower[int(follower)] = int(ids[k])
        self._last = list(zip(ids.tolist(), people))
        return ids

    def close(self) -> None:
        self._pool.shutdown()
        self._blazepose.close()

    def __enter__(self) -> FusedDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
