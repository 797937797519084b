"""The streaming job (``lift --stream``): each person lifted as their frames arrive, by a causal model.

:class:`PersonStream` is one person: their :class:`~liftformer.inference.lifting.streaming.KeypointStream`, the root
from the past frames only (:class:`~liftformer.inference.lifting.trajectory.RootFollower`), and what was streamed,
which :meth:`PersonStream.clip` turns into the same :class:`~liftformer.inference.writers.plan.Lifted` clip the
offline job writes. :class:`Crowd` keeps one per id of a detector that follows several people.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from liftformer.inference.lifting.angles import body_angles, unwrap_after
from liftformer.inference.lifting.ground import RunningUp
from liftformer.inference.lifting.streaming import KeypointStream, StreamResult
from liftformer.inference.lifting.trajectory import Calibration, Intrinsics, RootFollower
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.bodies import OK, BodyCheck
from liftformer.inference.writers.angles import world_poses
from liftformer.inference.writers.outputs import angle_values, rounded
from liftformer.inference.writers.plan import Lifted


class PersonStream:
    """One person streamed from input frame ``first_frame`` on (``calibration``: also their root, in ``camera``; ``angles``:
    each line with the pose's joint angles)."""

    def __init__(self, model: Any, layout: str, image_size: tuple[int, int], fps: float, options: LiftOptions,
                 camera: Intrinsics, calibration: Calibration | None, first_frame: int = 0, angles: bool = False) -> None:
        self.stream = KeypointStream(model, layout, image_size, options.min_score, options.max_gap, options.flip, first_frame)
        self.follower = None if calibration is None else RootFollower(camera, calibration, fps, options.stature)
        self.camera, self.fps, self.image_size, self.start = camera, fps, image_size, first_frame
        self.results: list[StreamResult] = []
        self.roots: list[np.ndarray] = []
        self.latencies: list[float] = []
        self.bodies = BodyCheck(layout, *image_size)  # a detection that is not a body is not the person
        self.angles = angles  # whether each line carries the pose's angles (in the upright frame of the frames so far)
        self.up = RunningUp()
        self.last_angles: dict[str, float] = {}  # the latest defined values, to unwrap the rotations against

    def push(self, points: np.ndarray | None) -> dict | None:
        """The next input frame's (J, 3) keypoints (None: the person is not in it; nor when they are not a body,
        :class:`~liftformer.inference.sources.bodies.BodyCheck`); its JSON line once there is a pose (``latency_ms``:
        lifting and the root)."""
        t0 = time.perf_counter()
        if points is not None and self.bodies.cause(points) != OK:
            points = None
        result = self.stream.push(points)
        if result is None:
            return None
        root = None if self.follower is None else self.follower.push(result.pose, result.pixels, result.filled)
        self.latencies.append(time.perf_counter() - t0)
        line = {"frame": result.frame, "latency_ms": round(1000 * self.latencies[-1], 2), "pose_3d": rounded(result.pose, 4),
                "filled": np.flatnonzero(result.filled).tolist()}
        if root is not None:  # from the past frames only, as the pose
            self.roots.append(root)
            line["root_3d"] = rounded(root, 4)
        if self.angles:
            line["angles"] = self.line_angles(result.pose)
        self.results.append(result)
        return line

    def line_angles(self, pose: np.ndarray) -> dict[str, float | None]:
        """A pose's angles in the upright frame of the frames so far (:class:`~liftformer.inference.lifting.ground.RunningUp`;
        the floor is fitted once the stream ends), the rotations unwrapped against the line before's."""
        rotation = self.up.push(pose)
        world = world_poses(pose[None], None) if rotation is None else np.asarray(pose, dtype=np.float64)[None] @ rotation.T
        values = unwrap_after(angle_values(body_angles(world), 0), self.last_angles)
        self.last_angles.update({k: v for k, v in values.items() if v is not None})
        return values

    def clip(self, fix_feet: bool, trim: bool = False) -> Lifted:
        """What was streamed, as a clip to write (placed in camera space when the root was followed); ``trim``: without
        the frames held after the person was last seen."""
        from liftformer.inference.offline import placement

        results = self.results
        if trim:
            seen = [i for i, r in enumerate(results) if not r.filled.all()]
            results = results[: seen[-1] + 1] if seen else results
        poses = np.stack([r.pose for r in results])
        place = None
        if self.follower is not None:
            place = placement(poses, np.stack(self.roots[:len(results)]), np.array(self.follower.scales[:len(results)]),
                              self.camera, self.fps, fix_feet)
        return Lifted(poses, np.stack([r.pixels for r in results]), np.stack([r.filled for r in results]),
                      np.array([r.frame for r in results]), self.fps, self.image_size, place)


class Crowd:
    """One :class:`PersonStream` per id of the people a detector follows (``make(id, first_frame)`` starts one). A person
    absent for more than ``max_gap`` frames is paused (no poses; None: never); one who comes back after a pause starts a
    new stream (``streams`` labels it ``ID-2``, ``ID-3``, …), so a return never lifts the frames missed all at once."""

    def __init__(self, make: Any, max_gap: int | None) -> None:
        self.people: dict[int, PersonStream] = {}  # each id's current stream
        self.streams: list[tuple[str, PersonStream]] = []  # every stream, labelled, in the order they started
        self.frames = 0  # input frames pushed
        self._make, self._max_gap = make, max_gap
        self._seen: dict[int, int] = {}

    def push(self, found: dict[int, np.ndarray]) -> list[tuple[int, dict]]:
        """One input frame's people {id: (J, 3)}: the (id, JSON line) of each pose it gives, by id."""
        t, self.frames = self.frames, self.frames + 1
        lines = []
        for pid in sorted(set(self.people) | set(found)):
            paused = self._max_gap is not None and t - self._seen.get(pid, t) > self._max_gap
            person = self.people.get(pid)
            if person is None or (paused and pid in found):
                person = self.start(pid, t)
            elif paused:
                continue
            if pid in found:
                self._seen[pid] = t
            line = person.push(found.get(pid))
            if line is not None:
                lines.append((pid, line))
        return lines

    def start(self, pid: int, t: int) -> PersonStream:
        """A new stream for ``pid`` from input frame ``t`` (its current one from now on)."""
        person = self.people[pid] = self._make(pid, t)
        count = sum(1 for label, _ in self.streams if label == str(pid) or label.startswith(f"{pid}-")) + 1
        self.streams.append((str(pid) if count == 1 else f"{pid}-{count}", person))
        return person
