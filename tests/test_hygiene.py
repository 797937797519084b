"""Left/right swaps and identity switches: found from temporal consistency, repaired when clear, else reported."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import tiny_model_kwargs, with_trajectory
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.cli.main import main
from liftformer.data.synthetic import crossing_walkers
from liftformer.inference.tracks.hygiene import SWAP_GROUPS, check_track
from liftformer.model.checkpoint import save_weights

LEGS = list(SWAP_GROUPS["legs"][0] + SWAP_GROUPS["legs"][1]), list(SWAP_GROUPS["legs"][1] + SWAP_GROUPS["legs"][0])
ARMS = list(SWAP_GROUPS["arms"][0] + SWAP_GROUPS["arms"][1]), list(SWAP_GROUPS["arms"][1] + SWAP_GROUPS["arms"][0])


def walker(frames: int = 200, seed: int = 0) -> np.ndarray:
    return crossing_walkers(frames, seed=seed)[0]


def exchange(pixels: np.ndarray, frames: slice, *groups: tuple[list[int], list[int]]) -> np.ndarray:
    out = pixels.copy()
    for order, swapped in groups:
        out[frames, order] = pixels[frames, swapped]
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_clean_track_has_no_findings(seed):
    clean = walker(seed=seed)
    pixels, _, report = check_track(clean, np.ones(clean.shape[:2], bool))
    assert report.findings == [] and np.array_equal(pixels, clean)
    assert report.summary() == "hygiene: no left/right swaps or identity switches found"


@pytest.mark.parametrize("frames, groups", [
    (slice(60, 61), (LEGS,)),  # one frame, legs
    (slice(100, 133), (LEGS, ARMS)),  # 33 frames, the whole body (the real clip)
    (slice(30, 70), (ARMS,)),  # 40 frames, arms
])
def test_injected_swaps_are_repaired(frames, groups):
    clean = walker(seed=2)
    pixels, detected, report = check_track(exchange(clean, frames, *groups), np.ones(clean.shape[:2], bool))
    np.testing.assert_array_equal(pixels, clean)
    assert all(f.kind == "swap" and f.repaired for f in report.findings)
    assert [f.detail for f in report.findings] == (["whole body"] if len(groups) == 2 else ["legs" if groups == (LEGS,) else "arms"])
    assert {(f.start, f.end) for f in report.findings} == {(frames.start, frames.stop)}
    assert "repaired" in report.summary() and "\n" not in report.summary()


def test_foreign_excursion_is_interpolated_and_a_permanent_jump_reported():
    clean = walker(seed=3)
    bad = clean.copy()
    bad[80:84] += 180.0  # the detector holds someone else for 4 frames
    bad[150:] += np.array([250.0, -40.0])  # and from frame 150 on for good
    index = np.arange(1000, 1200)  # input frame numbers of the rows
    _, detected, report = check_track(bad, np.ones(clean.shape[:2], bool), index)
    switches = [(f.start, f.end, f.repaired) for f in report.findings if f.kind == "switch"]
    assert switches == [(1080, 1084, True), (1150, 1151, False)]
    assert not detected[80:84].any() and detected[:80].all()
    summary = report.summary("walk")
    assert "repaired 1 identity switch (frames 1080-1083" in summary and "reported (not repaired) 1 identity switch (frame 1150" in summary


def test_lift_repairs_a_swap_and_prints_one_summary_line(tmp_path, capsys):
    clean = walker(60, seed=4)
    bad = exchange(clean, slice(20, 26), LEGS, ARMS)
    path = tmp_path / "walk.json"
    path.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "frames": [
        {"keypoints": np.concatenate([p, np.full((17, 1), 0.9)], 1).reshape(-1).tolist()} for p in bad]}))
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    out = tmp_path / "walk_3d.npz"
    assert main(["lift", str(path), "--out", str(out), "--checkpoint", str(ckpt)]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("hygiene")]
    assert len(lines) == 1 and "repaired 1 left/right swap (whole body frames 20-25)" in lines[0]
    np.testing.assert_allclose(np.load(out)["keypoints_2d"], clean, atol=1e-3)


def test_a_limb_repair_that_would_twist_a_facing_torso_is_withdrawn(monkeypatch):
    """The issue's real clip: the detector mirrored the whole body for 5 frames, the legs' Viterbi ran on for 38.
    The 5 frames come back as one whole-body event; the 33 legs-only frames stay as detected, and are reported."""
    from liftformer.data.camera import project_to_2d_linear
    from liftformer.data.synthetic import synthetic_motion
    from liftformer.inference.tracks import swaps
    from liftformer.inference.tracks.swaps import torso_disagrees, torso_facing

    body = synthetic_motion(120, seed=2) * np.array([1.0, -1.0, 1.0]) + np.array([0.0, 0.0, 5.0])  # facing the camera
    clean = project_to_2d_linear(body, np.array([1150.0, 1150.0]), np.array([500.0, 500.0]))
    detected = np.ones(clean.shape[:2], bool)
    assert torso_facing(clean, detected)[0].all()
    start = 40
    mirrored = exchange(clean, slice(start, start + 5), LEGS, ARMS)
    monkeypatch.setattr(swaps, "find_swaps", lambda pixels, detected: {"legs": [(start, start + 38, True)],
                                                                        "arms": [(start, start + 5, True)]})
    pixels, _, report = check_track(mirrored, detected)
    np.testing.assert_array_equal(pixels[start:start + 5], clean[start:start + 5])  # the mirror, undone as one event
    np.testing.assert_array_equal(pixels[start + 5:], clean[start + 5:])  # no leg exchanged where the torso says no
    assert not torso_disagrees(pixels, detected)[start:start + 38].any()
    details = [(f.detail, f.repaired) for f in report.findings]
    assert any("left as detected" in d for d, _ in details), details


def test_a_spurious_run_in_one_group_does_not_cancel_a_real_repair_in_the_other(monkeypatch):
    """Legs detected exchanged for 100 frames, and a spurious arms run inside them (arms crossing fast): the legs are
    repaired throughout, the arms stay as detected."""
    from liftformer.data.camera import project_to_2d_linear
    from liftformer.data.synthetic import synthetic_motion
    from liftformer.inference.tracks import swaps

    body = synthetic_motion(120, seed=2) * np.array([1.0, -1.0, 1.0]) + np.array([0.0, 0.0, 5.0])  # facing the camera
    clean = project_to_2d_linear(body, np.array([1150.0, 1150.0]), np.array([500.0, 500.0]))
    detected = np.ones(clean.shape[:2], bool)
    legs_swapped = exchange(clean, slice(0, 100), LEGS)
    monkeypatch.setattr(swaps, "find_swaps", lambda pixels, detected: {"legs": [(0, 100, True)], "arms": [(40, 60, True)]})
    pixels, _, report = check_track(legs_swapped, detected)
    np.testing.assert_array_equal(pixels, clean)
    assert [(f.detail.split(" ")[0], f.repaired) for f in report.findings] == [("legs", True), ("arms", False)]


def test_a_run_one_frame_too_long_is_peeled_back_to_the_fault():
    """The issue's real failure: the legs exchanged over frames 60-63 where 61-63 were mirrored and 60 was right."""
    from liftformer.inference.tracks.swaps import peel_edges

    clean = walker(120, seed=2)
    pixels = exchange(clean, slice(61, 64), LEGS)
    masks = {"legs": np.zeros(120, bool), "arms": np.zeros(120, bool)}
    masks["legs"][60:64] = True
    peel_edges(pixels, np.ones(pixels.shape[:2], bool), masks)
    assert np.flatnonzero(masks["legs"]).tolist() == [61, 62, 63] and not masks["arms"].any()


def test_a_whole_body_mirror_is_repaired_over_the_same_frames_for_both_groups():
    """Mirrored over 70-73, the runs found a frame or two early (legs from 68, arms from 69): both are peeled to 70-73."""
    from liftformer.inference.tracks.swaps import peel_edges

    clean = walker(120, seed=3)
    pixels = exchange(clean, slice(70, 74), LEGS, ARMS)
    masks = {"legs": np.zeros(120, bool), "arms": np.zeros(120, bool)}
    masks["legs"][68:74] = True
    masks["arms"][69:74] = True
    peel_edges(pixels, np.ones(pixels.shape[:2], bool), masks)
    assert np.flatnonzero(masks["legs"]).tolist() == np.flatnonzero(masks["arms"]).tolist() == [70, 71, 72, 73]


def test_an_edge_without_evidence_keeps_its_repair():
    """At the track's first frame, or beside a frame without the group, nothing confirms or refutes: the repair stands."""
    from liftformer.inference.tracks.swaps import peel_edges

    clean = walker(60, seed=4)
    pixels = exchange(clean, slice(0, 5), LEGS)
    detected = np.ones(pixels.shape[:2], bool)
    masks = {"legs": np.zeros(60, bool), "arms": np.zeros(60, bool)}
    masks["legs"][0:5] = True
    peel_edges(pixels, detected, masks)
    assert np.flatnonzero(masks["legs"]).tolist() == [0, 1, 2, 3, 4]
