"""Several people per frame → tracks with stable ids, and the choice of whom to lift.

:func:`track_people` links each frame's detections to the live tracks by a Hungarian assignment
(``scipy.optimize.linear_sum_assignment``) on ``1 - OKS × shape``: an OKS-like agreement of the
joints with the track's constant-velocity prediction (joint velocities from one frame to the
next; the body centre's velocity across missed frames, with a tolerance that widens with the
gap), times the similarity of the scale-free poses. A track missing for up to ``max_age``
frames keeps its id (occlusions); a detection that matches nothing starts a new track. After
tracking, :func:`~liftformer.inference.tracks.tail_swaps.find_tail_swaps` looks for pairs of tracks whose
ids were exchanged (a crossing), exchanges the tails back where that is clear and reports the rest.

Ids count from 1 in order of appearance. ``largest`` is the track with the largest mean bounding-
box area × detected frames: for a one-person file that is the one person, as before tracking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from liftformer.errors import DataError
from liftformer.inference.sources.keypoints import Keypoints2D, PeopleKeypoints
from liftformer.inference.tracks.hygiene import Finding
from liftformer.inference.tracks.plausibility import drop_implausible, plausible_person
from liftformer.inference.tracks.smoothing import smooth_keypoints
from liftformer.inference.tracks.tail_swaps import find_tail_swaps

OKS_KAPPA = 0.1  # joint tolerance as a fraction of sqrt(box area), one frame ahead
MAX_COST = 0.8  # 1 - OKS × shape above this: no match
MIN_JOINTS = 3  # a detection needs this many located joints to be tracked
LISTED_IDS = 10  # ids named in one note; more are counted ("… and 40 more")
LISTED_LINES = 20  # notes of one kind (a line per person, per run without anyone); more are counted


@dataclass
class Track:
    """One person: the input frames where it was detected and its keypoints there, (n, J, 3) x, y, score."""

    id: int
    frames: list[int] = field(default_factory=list)
    points: list[np.ndarray] = field(default_factory=list)
    boxes: list[tuple[np.ndarray, float]] = field(default_factory=list)  # body centre (2,) and sqrt(box area) per frame
    velocity: np.ndarray | None = None  # (2,) body-centre pixels per frame, smoothed

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    def mean_area(self) -> float:
        """Mean bounding-box area of the located joints, pixels²."""
        return float(np.mean([size**2 for _, size in self.boxes]))

    def keypoints(self, like: Keypoints2D) -> Keypoints2D:
        """Frames first..last as :class:`Keypoints2D` (NaN, score 0 where undetected), metadata from ``like``."""
        span = self.last - self.first + 1
        joints = self.points[0].shape[0]
        arr = np.full((span, joints, 3), np.nan)
        arr[..., 2] = 0.0
        arr[np.asarray(self.frames) - self.first] = np.stack(self.points)
        return Keypoints2D(arr[..., :2], arr[..., 2], like.layout, like.width, like.height, like.fps,
                           f"{like.source} person {self.id}", np.arange(self.first, self.last + 1))


def _box(points: np.ndarray, min_score: float) -> tuple[np.ndarray, float]:
    """Body centre (2,: the median located joint, steadier than the box centre while limbs swing) and
    sqrt(box area) (at least 1 px) of the located joints of one (J, 3) detection."""
    ok = np.isfinite(points[:, :2]).all(-1) & (points[:, 2] > min_score)
    xy = points[ok, :2] if ok.any() else np.zeros((1, 2))
    lo, hi = xy.min(0), xy.max(0)
    return np.median(xy, 0), float(max(np.sqrt(np.prod(np.maximum(hi - lo, 1.0))), 1.0))


def _predict(track: Track, t: int, min_score: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Predicted (J, 2) joints at frame ``t``, their validity (J,), and the gap in frames."""
    last = track.points[-1]
    ok = np.isfinite(last[:, :2]).all(-1) & (last[:, 2] > min_score)
    gap = t - track.last
    if gap == 1 and len(track.frames) > 1 and track.frames[-2] == track.last - 1:
        prev = track.points[-2]
        moving = ok & np.isfinite(prev[:, :2]).all(-1) & (prev[:, 2] > min_score)
        step = np.where(moving[:, None], last[:, :2] - prev[:, :2], track.velocity if track.velocity is not None else 0.0)
    else:
        step = (track.velocity if track.velocity is not None else np.zeros(2)) * gap
    return last[:, :2] + step, ok, float(gap)


def _costs(tracks: list[Track], dets: np.ndarray, t: int, min_score: float) -> np.ndarray:
    """(tracks, detections) ``1 - OKS × shape similarity``, vectorised over pairs and joints."""
    preds, pred_ok, gaps = zip(*(_predict(tr, t, min_score) for tr in tracks))
    pred, pok = np.stack(preds), np.stack(pred_ok)  # (L, J, 2), (L, J)
    scale = np.array([tr.boxes[-1][1] for tr in tracks])  # (L,)
    dok = np.isfinite(dets[..., :2]).all(-1) & (dets[..., 2] > min_score)  # (D, J)
    both = pok[:, None] & dok[None]  # (L, D, J)
    det_xy = np.nan_to_num(dets[..., :2])
    d2 = ((np.nan_to_num(pred)[:, None] - det_xy[None]) ** 2).sum(-1)  # (L, D, J)
    tol2 = (OKS_KAPPA * scale) ** 2 * np.asarray(gaps)  # (L,)
    count = np.maximum(both.sum(-1), 1)
    oks = (np.exp(-d2 / (2 * tol2[:, None, None])) * both).sum(-1) / count
    centred_p = pred[:, None] - _masked_mean(pred[:, None], both)  # (L, D, J, 2)
    centred_d = det_xy[None] - _masked_mean(det_xy[None], both)
    shape = np.linalg.norm(np.nan_to_num(centred_p - centred_d), axis=-1) / scale[:, None, None]
    similarity = 1 - np.clip((shape * both).sum(-1) / count, 0, 1)
    cost = 1 - oks * similarity
    return np.where(both.sum(-1) >= MIN_JOINTS, cost, 1.0)


def _masked_mean(xy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return (np.nan_to_num(xy) * mask[..., None]).sum(-2, keepdims=True) / np.maximum(mask.sum(-1), 1)[..., None, None]


def track_people(frames: list[np.ndarray], max_age: int = 15, min_score: float = 0.0,
                 identities: list[np.ndarray] | None = None) -> list[Track]:
    """Tracks (ids from 1, by first appearance) from per-frame detections (P, J, 3): x, y, score.

    A track unmatched for more than ``max_age`` frames ends; joints at or below ``min_score`` are ignored. With
    ``identities`` (per frame (P,) int: the detector's own id of each person it followed, -1 for none), detections of
    one id stay on one track: an id's first detection is matched like any other, its later ones join that track. The
    first id on a track owns it: another id that joined it while the owner was missing leaves it when both are seen.
    """
    tracks: list[Track] = []
    live: list[Track] = []
    by_id: dict[int, Track] = {}  # detector id → its track
    owner: dict[int, int] = {}  # track id → the detector id that owns it
    for t, dets in enumerate(frames):
        dets = np.asarray(dets, dtype=np.float64)
        ids = np.full(len(dets), -1) if identities is None else np.asarray(identities[t])
        if dets.size:
            keep = (np.isfinite(dets[..., :2]).all(-1) & (dets[..., 2] > min_score)).sum(-1) >= MIN_JOINTS
            dets, ids = dets[keep], ids[keep]
        live = [tr for tr in live if t - tr.last <= max_age]
        matched: dict[int, Track] = {}
        for owners_first in (True, False):  # an id's track, once per frame, its owner first
            for d, k in enumerate(ids):
                track = by_id.get(int(k))
                if (track is not None and d not in matched and (owner.get(track.id) == int(k)) == owners_first
                        and all(track is not m for m in matched.values())):
                    matched[d] = track
        if len(matched) < len(dets):  # the others, against the live tracks no id of this frame holds
            rest = [d for d in range(len(dets)) if d not in matched]
            free = [tr for tr in live if all(tr is not m for m in matched.values())]
            if free:
                cost = _costs(free, dets[rest], t, min_score)
                rows, cols = linear_sum_assignment(cost)
                matched.update({rest[int(c)]: free[int(r)] for r, c in zip(rows, cols) if cost[r, c] <= MAX_COST})
        for d, det in enumerate(dets):
            track = matched.get(d)
            if track is None:
                track = Track(len(tracks) + 1)
                tracks.append(track)
            if all(track is not tr for tr in live):
                live.append(track)
            if ids[d] >= 0:
                by_id[int(ids[d])] = track
                owner.setdefault(track.id, int(ids[d]))
            _extend(track, t, det, min_score)
    return tracks


def _extend(track: Track, t: int, det: np.ndarray, min_score: float) -> None:
    box = _box(det, min_score)
    if track.frames:
        step = (box[0] - track.boxes[-1][0]) / (t - track.last)
        track.velocity = step if track.velocity is None else 0.5 * (track.velocity + step)
    track.frames.append(t)
    track.points.append(det)
    track.boxes.append(box)


def repair_tail_swaps(tracks: list[Track]) -> list[Finding]:
    """Exchange back the tails of track pairs whose ids were clearly swapped; report unclear ones."""
    findings = []
    for i, a in enumerate(tracks):
        for b in tracks[i + 1:]:
            if min(a.last, b.last) - max(a.first, b.first) < 10:
                continue
            obs = [(np.asarray(tr.frames), np.stack([c for c, _ in tr.boxes]), np.array([s for _, s in tr.boxes])) for tr in (a, b)]
            for t, clear in find_tail_swaps(obs[0], obs[1]):
                if clear:
                    _swap_tails(a, b, t)
                findings.append(Finding("switch", t, t + 1, clear,
                                        f"ids {a.id} and {b.id} {'exchanged back' if clear else 'may be exchanged'} from here"))
    return findings


def _swap_tails(a: Track, b: Track, t: int) -> None:
    ia, ib = np.searchsorted(a.frames, t), np.searchsorted(b.frames, t)
    a.frames[ia:], b.frames[ib:] = b.frames[ib:], a.frames[ia:]
    a.points[ia:], b.points[ib:] = b.points[ib:], a.points[ia:]
    a.boxes[ia:], b.boxes[ib:] = b.boxes[ib:], a.boxes[ia:]


@dataclass
class Selection:
    """Whom to lift: (id, keypoints) pairs (id None: a one-person source) and notes for the user."""

    people: list[tuple[int | None, Keypoints2D]]
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    dropped: dict[int, int] = field(default_factory=dict)  # frames dropped as not a body, by cause (plausibility's codes)


def _smoothed(kp: Keypoints2D, unsmoothed: np.ndarray | None) -> Keypoints2D:
    """``kp`` smoothed over its rows that fall on ``unsmoothed`` input frames (as it was when there are none)."""
    if unsmoothed is None or not np.any(unsmoothed):
        return kp
    kp = smooth_keypoints(kp, unsmoothed if kp.frames is None else np.asarray(unsmoothed)[kp.frames])
    return replace(kp, unsmoothed=None) if isinstance(kp, PeopleKeypoints) else kp  # never twice


def select_people(source: Keypoints2D, person: str = "largest", min_frames: int = 1, max_age: int = 15,
                  min_score: float = 0.0, layout: str | None = None, check_bodies: bool = True) -> Selection:
    """Track ``source`` if it holds several people in some frame (a :class:`PeopleKeypoints`), and choose
    ``person``: an id, ``largest`` (default) or ``all`` (tracks of at least ``min_frames`` detected frames;
    shorter ones are noted and skipped). Frames that are not a body are dropped first (:func:`drop_implausible`,
    :func:`plausible_person`; ``layout``: ``--layout``, else the source's; not when ``check_bodies`` is False, as
    before those checks, for comparison). One-line DataError for an id that does not exist or when nobody is left."""
    if isinstance(source, PeopleKeypoints) and max((len(f) for f in source.people), default=0) > 1:
        return choose_people(source.people, source, person, min_frames, max_age, min_score, source.unsmoothed,
                             source.identities, layout, check_bodies)
    if person not in ("largest", "all", "1"):
        raise DataError(f"--person {person}: no such person; {source.source or 'the input'} holds one person, id 1")
    kp, notes, dropped = plausible_person(source, layout) if check_bodies else (source, [], {})
    unsmoothed = source.unsmoothed if isinstance(source, PeopleKeypoints) else None
    return Selection([(None, _smoothed(kp, unsmoothed))], notes, dropped=dropped)


def choose_people(frames: list[np.ndarray], like: Keypoints2D, person: str = "largest", min_frames: int = 1,
                  max_age: int = 15, min_score: float = 0.0, unsmoothed: np.ndarray | None = None,
                  identities: list[np.ndarray] | None = None, layout: str | None = None, check_bodies: bool = True) -> Selection:
    """Track per-frame detections (P_t, J, 3) and choose ``person`` as :func:`select_people` does; metadata
    (layout, size, fps, source) from ``like``; notes name who enters, leaves, or is too short to lift. The chosen
    people's keypoints are smoothed over time on the ``unsmoothed`` (T,) frames (after tracking, per person)."""
    tracks = track_people(frames, max_age, min_score, identities)
    if not tracks:
        raise DataError(f"{like.source}: no person in any frame")
    tracks, dropped, counts = drop_implausible(tracks, like, max_age, layout) if check_bodies else (tracks, [], {})
    findings = repair_tail_swaps(tracks)
    if not tracks:
        raise DataError(f"{like.source}: no plausible body in any frame ({'; '.join(dropped)})")
    ids = _listed(tr.id for tr in tracks)
    end = len(frames) - 1
    notes = [f"tracked {len(tracks)} people (ids {ids}) in {len(frames)} frames", *dropped]
    lines = []
    for tr in tracks:
        moves = [f"enters at frame {tr.first}"] * (tr.first > 0) + [f"leaves after frame {tr.last}"] * (tr.last < end)
        middle, side = np.median([c for c, _ in tr.boxes], axis=0), float(np.median([s for _, s in tr.boxes]))
        lines.append(f"person {tr.id}: frames {tr.first}-{tr.last}, detected in {len(tr.frames)}"
                     + "".join(f", {m}" for m in moves) + f"; around x {middle[0]:.0f}, y {middle[1]:.0f} px, {side:.0f} px across")
    notes += _bounded(lines, "people")
    present = np.zeros(len(frames), bool)
    for tr in tracks:
        present[tr.frames] = True
    edges = np.diff(np.concatenate([[1], present.astype(np.int8), [1]]))
    runs = zip(np.flatnonzero(edges == -1), np.flatnonzero(edges == 1))
    notes += _bounded([f"no one in frame {start}" if stop - start == 1 else f"no one in frames {start}-{stop - 1}"
                       for start, stop in runs], "runs of frames without anyone")
    if person == "largest":
        chosen = [max(tracks, key=lambda tr: tr.mean_area() * len(tr.frames))]
    elif person == "all":
        chosen = [tr for tr in tracks if len(tr.frames) >= min_frames]
        short = [tr for tr in tracks if len(tr.frames) < min_frames]
        if short:
            notes.append(f"skipped person{'s' * (len(short) > 1)} {_listed(tr.id for tr in short)}: detected in fewer "
                         f"than {min_frames} frames (a model window); lift one with --person ID (edge padding)")
        if not chosen:
            longest = max(tracks, key=lambda tr: len(tr.frames))
            raise DataError(f"--person all: no person is detected in a whole {min_frames}-frame window (the longest, "
                            f"id {longest.id}, in {len(longest.frames)}); lift it with --person {longest.id}")
    else:
        chosen = [tr for tr in tracks if str(tr.id) == person.strip()]
        if not chosen:
            raise DataError(f"--person {person}: no such person; the ids are {ids}")
    why = " (the largest and longest in view; --person ID for another, --person all for everyone)"
    notes.append(f"lifting person{'s' * (len(chosen) > 1)} {_listed(tr.id for tr in chosen)}" + why * (person == "largest"))
    return Selection([(tr.id, _smoothed(tr.keypoints(like), unsmoothed)) for tr in chosen], notes, findings, counts)


def _listed(ids: Iterable[int]) -> str:
    """Ids as "1, 2, 3": the first ``LISTED_IDS``, then how many more ("… and 40 more")."""
    ids = list(ids)
    more = f" … and {len(ids) - LISTED_IDS} more" if len(ids) > LISTED_IDS else ""
    return ", ".join(map(str, ids[:LISTED_IDS])) + more


def _bounded(lines: list[str], what: str) -> list[str]:
    """``lines`` as they are up to ``LISTED_LINES``; beyond, the first ``LISTED_LINES`` and "… N more ``what``"."""
    return lines if len(lines) <= LISTED_LINES else [*lines[:LISTED_LINES], f"… {len(lines) - LISTED_LINES} more {what}"]
