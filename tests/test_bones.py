"""The 3D check: lifted frames whose bones are far from the person's own are replaced by their neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import synthetic_motion
from liftformer.inference.lifting.bones import (
    MAX_DEVIATION,
    MIN_FRAMES,
    bone_deviation,
    implausible_frames,
    replace_implausible,
)
from liftformer.inference.offline import held_to_own_bones
from liftformer.inference.sources.keypoints import Keypoints2D
from liftformer.inference.tracks.prepare import Prepared, interpolate_frames

PARENTS = H36M_17.parents


def folded(poses: np.ndarray, frames: list[int], factor: float) -> np.ndarray:
    """A copy with every joint of ``frames`` moved ``factor`` times as far from the root: every bone scaled alike."""
    out = poses.copy()
    out[frames] = out[frames, :1] + factor * (out[frames] - out[frames, :1])
    return out


def test_a_rigid_body_deviates_nowhere():
    poses = synthetic_motion(60)
    assert np.allclose(bone_deviation(poses, PARENTS), 0, atol=1e-6)
    assert not implausible_frames(poses, PARENTS).any()


def test_stretched_frames_are_found_and_replaced_by_their_neighbours():
    poses = synthetic_motion(60)
    broken = folded(poses, [20, 21, 22], 1.6)  # every bone 60% longer
    filled = np.zeros((60, 17), dtype=bool)
    fixed, marked, bad = replace_implausible(broken, filled, PARENTS)
    assert np.flatnonzero(bad).tolist() == [20, 21, 22]
    assert marked[bad].all() and not marked[~bad].any() and not filled.any()  # the input is left as it was
    assert np.array_equal(fixed[~bad], broken[~bad])  # frames that pass are never changed
    assert np.abs(fixed[bad] - poses[bad]).max() < np.abs(broken[bad] - poses[bad]).max() / 5
    expected = broken[19] + (broken[23] - broken[19]) * (21 - 19) / (23 - 19)
    assert np.allclose(fixed[21], expected)


def test_the_limit_is_where_it_says():
    poses = synthetic_motion(40)
    under = folded(poses, [10], 1 + MAX_DEVIATION * 0.9)  # every bone 22.5% longer: the skeleton 22.5% off
    over = folded(poses, [10], 1 + MAX_DEVIATION * 1.1)
    assert bone_deviation(over, PARENTS)[10] == pytest.approx(MAX_DEVIATION * 1.1)
    assert not implausible_frames(under, PARENTS).any()
    assert implausible_frames(over, PARENTS)[10]


def test_short_tracks_and_hopeless_tracks_are_left_alone():
    poses = synthetic_motion(MIN_FRAMES - 1)
    assert not implausible_frames(folded(poses, [3], 2.0), PARENTS).any()
    flat = np.zeros((30, 17, 3))  # no bone has a length: nothing to hold frames to
    assert not implausible_frames(flat, PARENTS).any()


def test_nothing_changes_when_nothing_is_flagged():
    poses = synthetic_motion(30).astype(np.float32)
    filled = np.zeros((30, 17), dtype=bool)
    fixed, marked, bad = replace_implausible(poses, filled, PARENTS)
    assert fixed is poses and marked is filled and not bad.any()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.booleans(), min_size=5, max_size=40))
def test_interpolation_keeps_good_frames_and_stays_within_their_range(mask):
    bad = np.array(mask)
    if bad.all():
        bad[0] = False
    values = np.random.default_rng(len(mask)).normal(size=(len(bad), 17, 3))
    out = interpolate_frames(values, bad)
    assert np.array_equal(out[~bad], values[~bad])
    good = values[~bad]
    assert (out >= good.min(0) - 1e-9).all() and (out <= good.max(0) + 1e-9).all()


def test_the_offline_job_marks_the_frames_and_says_so(capsys):
    poses = folded(synthetic_motion(50), [30], 2.0).astype(np.float32)
    prepared = Prepared(np.zeros((50, 17, 2), np.float32), np.zeros((50, 17, 2), np.float32), np.zeros((50, 17), bool))
    kp = Keypoints2D(pixels=np.zeros((50, 17, 2)), scores=np.ones((50, 17)), source="clip.mp4 person 2",
                     frames=np.arange(100, 150))
    out, fixed = held_to_own_bones(prepared, poses, kp)
    assert out.filled[30].all() and out.filled.sum() == 17
    assert fixed.dtype == np.float32 and not np.array_equal(fixed[30], poses[30])
    err = capsys.readouterr().err
    assert "clip.mp4 person 2" in err and "replaced 1 of 50 frames (130)" in err and err.count("\n") == 1


def test_frames_are_said_as_runs():
    from liftformer.errors import frame_spans

    assert frame_spans([71, *range(53, 69)]) == "53-68, 71"
    assert frame_spans([4]) == "4"
    assert frame_spans([1, 3, 5, 7], most=2) == "1, 3, …"


def test_a_short_bone_off_by_a_third_is_not_a_broken_body():
    """Lengths, not ratios: the head's bone a third longer in one frame moves the skeleton by little."""
    poses = synthetic_motion(40)
    head = poses.copy()
    head[10, 10] = head[10, 9] + 1.34 * (head[10, 10] - head[10, 9])  # nose → head, about 10 cm
    assert bone_deviation(head, PARENTS)[10] < 0.05 and not implausible_frames(head, PARENTS).any()
