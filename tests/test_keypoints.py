from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, given, settings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from liftformer.errors import DataError
from liftformer.inference.sources.keypoints import Keypoints2D, read_keypoints
from liftformer.inference.tracks.prepare import fill_gaps, prepare_keypoints

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "liftformer-hypothesis")  # as tests/test_fuzz.py: nothing in the repository


def coco_frames(t=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(100, 500, size=(t, 17, 2)), rng.uniform(0.5, 1.0, size=(t, 17))


def test_json_picks_the_best_person_and_keeps_empty_frames(tmp_path):
    xy, s = coco_frames(3)
    def person(t: int, score: float) -> dict:
        return {"keypoints": np.concatenate([xy[t], s[t, :, None]], 1).reshape(-1).tolist(), "score": score}
    other = {"keypoints": [0.0] * 51, "score": 0.1}
    doc = [[other, person(0, 0.9)], None, person(2, 0.8)]
    path = tmp_path / "kp.json"
    path.write_text(json.dumps(doc))
    kp = read_keypoints(str(path))
    assert kp.pixels.shape == (3, 17, 2)
    np.testing.assert_allclose(kp.pixels[0], xy[0])
    assert not kp.valid[1].any() and kp.valid[2].all()


def test_csv_with_header_frame_column_and_scores(tmp_path):
    xy, s = coco_frames(4)
    rows = np.concatenate([xy, s[..., None]], -1).reshape(4, -1)
    header = "frame," + ",".join(f"x{j},y{j},s{j}" for j in range(17))
    text = header + "\n" + "\n".join(f"{t}," + ",".join(f"{v:.4f}" for v in r) for t, r in enumerate(rows))
    (tmp_path / "kp.csv").write_text(text)
    kp = read_keypoints(str(tmp_path / "kp.csv"))
    np.testing.assert_allclose(kp.pixels, xy, atol=1e-4)
    np.testing.assert_allclose(kp.scores, s, atol=1e-4)
    (tmp_path / "pairs.csv").write_text("\n".join(",".join(map(str, r)) for r in xy.reshape(4, -1)))
    assert read_keypoints(str(tmp_path / "pairs.csv")).scores is None
    (tmp_path / "bad.csv").write_text("1,2,3,4,5\n")
    with pytest.raises(DataError, match=r"bad\.csv: 5 values per row fit no layout"):
        read_keypoints(str(tmp_path / "bad.csv"))


def test_npy_and_npz(tmp_path):
    xy, _ = coco_frames(5)
    np.save(tmp_path / "kp.npy", xy)
    assert read_keypoints(str(tmp_path / "kp.npy")).pixels.shape == (5, 17, 2)
    meta = {"layout_name": "coco", "num_joints": 17, "keypoints_symmetry": [[1], [2]], "video_metadata": {"v": {"w": 640, "h": 480}}}
    np.savez(tmp_path / "data_2d_custom_v.npz", positions_2d=np.array({"v": {"custom": [xy]}}, dtype=object),
             metadata=np.array(meta, dtype=object))
    kp = read_keypoints(str(tmp_path / "data_2d_custom_v.npz"))
    assert (kp.layout, kp.width, kp.height) == ("coco", 640, 480)


def test_unknown_and_missing_files(tmp_path):
    with pytest.raises(DataError, match=r"nope\.json: no such file"):
        read_keypoints(str(tmp_path / "nope.json"))
    (tmp_path / "x.txt").write_text("1")
    with pytest.raises(DataError, match=r"x\.txt: unknown keypoint file type"):
        read_keypoints(str(tmp_path / "x.txt"))
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DataError, match=r"broken\.json: cannot read keypoints"):
        read_keypoints(str(tmp_path / "broken.json"))


def test_fill_gaps_interpolates_and_reports_long_gaps():
    t = np.arange(30, dtype=float)
    pixels = np.stack([np.stack([t, 2 * t], -1)] * 2, 1)  # (30, 2 joints, 2)
    valid = np.ones((30, 2), bool)
    valid[5:8] = False  # a short gap of 3 frames
    valid[12:25] = False  # a long one of 13
    valid[0, 1] = False  # one joint missing in the first frame: copies the next detection
    noisy = np.where(valid[..., None], pixels, np.nan)
    filled, gaps = fill_gaps(noisy, valid, max_gap=10)
    np.testing.assert_allclose(filled[1:], pixels[1:])
    np.testing.assert_allclose(filled[0, 1], pixels[1, 1])
    assert gaps == [(12, 25)]
    with pytest.raises(ValueError, match="joint 1 is never detected"):
        fill_gaps(pixels, np.stack([np.ones(30, bool), np.zeros(30, bool)], 1), 10)


def test_prepare_converts_normalises_and_checks():
    xy, s = coco_frames(6)
    s[2, 0] = 0.0  # nose missing in frame 2
    xy[3, 5] = np.nan  # left shoulder NaN in frame 3
    kp = Keypoints2D(xy, s, layout="coco", width=1000, height=800)
    prepared = prepare_keypoints(kp)
    assert prepared.keypoints.shape == (6, 17, 2) and np.isfinite(prepared.keypoints).all()
    assert prepared.filled[2, 9] and prepared.filled[3, 11] and prepared.filled[3, 8]  # nose; lshoulder, thorax
    assert prepared.filled.sum() == 1 + 3  # frame 3: lshoulder and the joints derived from it (thorax, spine)
    assert prepared.filled[3, 7]
    with pytest.raises(DataError, match="image size unknown"):
        prepare_keypoints(Keypoints2D(xy, s, layout="coco"))
    with pytest.raises(DataError, match="16 joints per frame, but layout coco has 17"):
        prepare_keypoints(Keypoints2D(xy[:, :16], s[:, :16], layout="coco", width=10, height=10))
    with pytest.raises(DataError, match="no person detected"):
        prepare_keypoints(Keypoints2D(xy, np.zeros_like(s), layout="coco", width=10, height=10))


def test_joints_located_only_with_low_confidence_are_used_with_a_note():
    xy, s = coco_frames(6)
    s[:, 15:] = 0.1  # ankles always below min_score (out of frame), but located
    prepared = prepare_keypoints(Keypoints2D(xy, s, layout="coco", width=1000, height=800), min_score=0.3)
    assert np.isfinite(prepared.keypoints).all()
    assert prepared.filled[:, 3].all() and prepared.filled[:, 6].all()  # H36M ankles flagged
    assert "joints 15, 16 (coco) never reach confidence 0.3" in prepared.notes[0]
    xy[:, 16] = np.nan  # not located at all: still an error
    with pytest.raises(DataError, match="joint 16 is never detected"):
        prepare_keypoints(Keypoints2D(xy, s, layout="coco", width=1000, height=800), min_score=0.3)


def h36m_walk(frames: int = 20, seed: int = 4) -> np.ndarray:
    from liftformer.data.synthetic import synthetic_sequence

    return synthetic_sequence(frames, seed=seed).keypoints_px


def as_coco(h36m: np.ndarray) -> np.ndarray:
    """The COCO-17 keypoints of H36M-17 pixel poses: face joints placed about the head, limbs as they are."""
    height = np.ptp(h36m[..., 1], -1)[:, None]
    head, nose = h36m[:, 10], h36m[:, 9]
    eye, ear = np.stack([0.02 * height[:, 0], 0 * height[:, 0]], -1), np.stack([0.05 * height[:, 0], 0.01 * height[:, 0]], -1)
    face = [nose, head - eye, head + eye, head - ear, head + ear]
    limbs = h36m[:, [11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3]]  # shoulders, elbows, wrists, hips, knees, ankles (left first)
    return np.concatenate([np.stack(face, 1), limbs], 1)


def test_a_forced_layout_the_geometry_contradicts_is_refused():
    h36m, coco = h36m_walk(), as_coco(h36m_walk())
    with pytest.raises(DataError, match=r"^--layout coco: walk holds H36M-17 keypoints, not COCO-17: joints 1 and 2 are 0\.2\d.*; "
                       r"drop --layout or pass --layout h36m$"):
        prepare_keypoints(Keypoints2D(h36m, None, source="walk", width=1000, height=1000), layout="coco")
    with pytest.raises(DataError, match=r"^--layout h36m: walk holds COCO-17 keypoints.*pass --layout coco$"):
        prepare_keypoints(Keypoints2D(coco, None, source="walk", width=1000, height=1000), layout="h36m")
    right = prepare_keypoints(Keypoints2D(h36m, None, width=1000, height=1000), layout="h36m")
    guessed = prepare_keypoints(Keypoints2D(h36m, None, width=1000, height=1000))
    np.testing.assert_array_equal(right.keypoints, guessed.keypoints)
    forced = prepare_keypoints(Keypoints2D(coco, None, width=1000, height=1000), layout="coco")
    np.testing.assert_array_equal(forced.keypoints, prepare_keypoints(Keypoints2D(coco, None, "coco", 1000, 1000)).keypoints)
    # ambiguous geometry (random points) is not evidence: the forced layout is used
    xy, s = coco_frames(6)
    assert prepare_keypoints(Keypoints2D(xy, s, width=1000, height=800), layout="h36m").keypoints.shape == (6, 17, 2)


@settings(max_examples=25, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])
@given(seed=st.integers(0, 50), scale=st.floats(0.05, 20), dx=st.floats(-5000, 5000), dy=st.floats(-5000, 5000),
       missing=st.sampled_from([(), (1,), (15, 16), (3, 6, 13)]))
def test_clear_layout_never_says_the_other_layout(seed, scale, dx, dy, missing):
    """Moved, scaled or with joints missing, H36M-17 poses are never clearly COCO-17 and their COCO-17 version never H36M-17."""
    from liftformer.data.layouts import clear_layout

    h36m = h36m_walk(8, seed) * scale + [dx, dy]
    coco = as_coco(h36m)
    h36m[:, list(missing)] = np.nan
    coco[:, list(missing)] = np.nan
    said = [(clear_layout(points) or ("ambiguous", ""))[0] for points in (h36m, coco)]
    assert said[0] in ("h36m", "ambiguous") and said[1] in ("coco", "ambiguous")
    if not missing:
        assert said == ["h36m", "coco"]


def test_a_frame_with_more_persons_than_the_limit_is_refused(tmp_path):
    xy, s = coco_frames(2)
    person = {"keypoints": np.concatenate([xy[0], s[0, :, None]], 1).reshape(-1).tolist()}
    path = tmp_path / "crowd.json"
    path.write_text(json.dumps([person, [person] * 3]))
    assert len(read_keypoints(str(path)).people[1]) == 3  # the library sets no limit
    assert len(read_keypoints(str(path), max_people=3).people[1]) == 3
    with pytest.raises(DataError, match=r"crowd\.json: frame 1 lists 3 persons, more than --max-people 2"):
        read_keypoints(str(path), max_people=2)


@settings(max_examples=25, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate, Phase.shrink])
@given(scale=st.floats(1e-3, 1e308), layout=st.sampled_from([None, "h36m", "coco"]), two=st.booleans())
def test_any_coordinate_scale_prepares_or_is_one_line_without_warnings(scale, layout, two):
    """Keypoints of any size are prepared to finite numbers or refused in one line; numpy never warns."""
    import warnings

    pixels = h36m_walk(8).astype(np.float64) / 1000 * scale
    if two:
        pixels[:, 1] = pixels[:, 2]  # no longer clearly H36M-17
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            prepared = prepare_keypoints(Keypoints2D(pixels, None, width=1000, height=1000), layout=layout)
        except DataError as e:
            assert "\n" not in str(e)
            return
    assert np.isfinite(prepared.keypoints).all() and np.isfinite(prepared.pixels).all()
