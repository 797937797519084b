"""Tracks and one-person sources without the frames that are not a body (:mod:`~liftformer.inference.sources.bodies`).

The tracker's people go through :func:`drop_implausible`, a one-person source through :func:`plausible_person`,
before they are smoothed, checked for swaps and lifted: a dropped frame is a gap (filled like any, when short);
a long run of them ends a track, and one line per person says what was dropped and why.
"""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from typing import Any, Protocol, TypeVar

import numpy as np

from liftformer.data.layouts import guess_layout
from liftformer.errors import DataError
from liftformer.inference.sources.bodies import OK, SIZE_JUMP, describe, detection_causes, extents, size_jumps, skeleton
from liftformer.inference.sources.keypoints import Keypoints2D


class Track(Protocol):
    """What is read of a tracker's track (:class:`liftformer.inference.tracks.tracking.Track`, a dataclass)."""

    id: int
    frames: list[int]
    points: list[np.ndarray]
    boxes: list[Any]

    @property
    def first(self) -> int: ...

    @property
    def last(self) -> int: ...


T = TypeVar("T", bound=Track)


def drop_implausible(tracks: list[T], like: Keypoints2D, max_age: int,
                     layout: str | None = None) -> tuple[list[T], list[str], dict[int, int]]:
    """``tracks`` without the frames that are not a body (:mod:`~liftformer.inference.sources.bodies`; image size, frame
    rate and layout from ``like`` unless ``layout`` is given), a line per person that lost any and the frames dropped
    by cause. A run of more than ``max_age`` dropped frames ends the track (the tracker's patience: as if the detector
    had not seen them); what follows it is a new person with the next free id. A track left with no frame is gone."""
    layout = layout or _layout(like)
    if layout is None:
        return tracks, [], {}
    out: list[T] = []
    notes: list[str] = []
    counts: dict[int, int] = {}
    fresh = max((tr.id for tr in tracks), default=0)
    for tr in tracks:
        frames = np.asarray(tr.frames)
        causes = frame_causes(np.stack(tr.points), frames, layout, like)
        if not causes.any():
            out.append(tr)
            continue
        for cause, n in _counted(causes):
            counts[cause] = counts.get(cause, 0) + n
        kept = np.flatnonzero(causes == OK)
        cut = np.flatnonzero((np.diff(kept) > 1) & (np.diff(frames[kept]) > max_age + 1)) + 1
        pieces = [piece for piece in np.split(kept, cut) if len(piece)]
        ids = [tr.id] + list(range(fresh + 1, fresh + len(pieces)))  # the first piece keeps the id
        fresh += max(len(pieces) - 1, 0)
        for identity, piece in zip(ids, pieces):
            part = copy.copy(tr)  # its own lists: the track itself is left as it was
            part.id, part.frames = identity, [tr.frames[i] for i in piece]
            part.points, part.boxes = [tr.points[i] for i in piece], [tr.boxes[i] for i in piece]
            out.append(part)
        if not pieces:  # never a body: not a person at all (its id is not given)
            notes.append(describe(_counted(causes), len(frames), f"a track in frames {tr.first}-{tr.last}") + ": not a person")
            continue
        then = ", ".join(f"person {i} from frame {tr.frames[p[0]]}" for i, p in zip(ids[1:], pieces[1:]))
        notes.append(describe(_counted(causes), len(frames), f"person {tr.id}") + (f"; then {then}" if then else ""))
    return sorted(out, key=lambda tr: tr.id), notes, counts


def frame_causes(points: np.ndarray, frames: np.ndarray, layout: str, like: Keypoints2D) -> np.ndarray:
    """(n,) why each of one person's (n, J, 3) detections at input ``frames`` is not a body (``OK``: it is)."""
    body = skeleton(points, layout)
    causes = detection_causes(body, like.width, like.height)
    sizes = np.where(causes == OK, extents(body), np.nan)
    causes[(causes == OK) & size_jumps(frames, sizes, like.fps or 30.0)] = SIZE_JUMP
    return causes


def _counted(causes: np.ndarray) -> list[tuple[int, int]]:
    return [(int(c), int((causes == c).sum())) for c in np.unique(causes) if c != OK]


def _layout(kp: Keypoints2D) -> str | None:
    """The layout ``kp``'s keypoints are read in: its own, else the guess from its joints (None: no guess)."""
    if kp.layout:
        return kp.layout
    try:
        return guess_layout(np.where(kp.valid[..., None], kp.pixels, np.nan))
    except ValueError:
        return None


def plausible_person(kp: Keypoints2D, layout: str | None = None) -> tuple[Keypoints2D, list[str], dict[int, int]]:
    """One person's keypoints (a one-person source) with the frames that are not a body missing (NaN, score 0: filled
    like any gap) and those at either end cut off; a line saying what was dropped (none when nothing was), and the
    frames dropped by cause."""
    layout = layout or _layout(kp)
    if layout is None or kp.scores is None:
        return kp, [], {}
    frames = np.arange(len(kp.pixels)) if kp.frames is None else np.asarray(kp.frames)
    causes = frame_causes(np.concatenate([kp.pixels, kp.scores[..., None]], -1), frames, layout, kp)
    seen = kp.valid.any(-1)
    causes[~seen] = OK
    if not causes.any():
        return kp, [], {}
    note = describe(_counted(causes), int(seen.sum()), kp.source or "the input")
    kept = np.flatnonzero((causes == OK) & seen)
    if not len(kept):
        raise DataError(f"{kp.source or 'the input'}: no plausible body in any frame ({note})")
    rows = slice(kept[0], kept[-1] + 1)
    pixels, scores = kp.pixels.copy(), kp.scores.copy()
    pixels[causes != OK], scores[causes != OK] = np.nan, 0.0
    base = Keypoints2D(**{f.name: getattr(kp, f.name) for f in fields(Keypoints2D)})
    return replace(base, pixels=pixels[rows], scores=scores[rows], frames=frames[rows]), [note], dict(_counted(causes))
