from __future__ import annotations

import numpy as np
import pytest

from datasets_fixtures import H36M_META, h36m_3d, humaneva_files, save_npz
from liftformer.data.custom import load_custom_sequences
from liftformer.data.datasets import load_split
from liftformer.data.formats import load_positions_2d, load_positions_3d
from liftformer.data.h36m import cameras as h36m_cameras, load_h36m_sequences, prepare_ground_truth_2d
from liftformer.data.humaneva import load_humaneva_sequences
from liftformer.data.skeleton import H36M_17, MPII_16
from liftformer.errors import DataError


def bone_lengths(pos: np.ndarray) -> np.ndarray:
    return np.stack([np.linalg.norm(pos[:, j] - pos[:, p], axis=-1) for p, j in H36M_17.bones()], -1)


def test_packaged_cameras_are_rotations_with_metre_centres():
    cams = h36m_cameras()
    assert sorted(cams) == ["S1", "S11", "S5", "S6", "S7", "S8", "S9"]
    for cam in cams["S9"]:
        np.testing.assert_allclose(cam.R @ cam.R.T, np.eye(3), atol=1e-6)
        assert 2.0 < np.linalg.norm(cam.T) < 10.0  # metres, not millimetres
        assert (cam.width, cam.height) in ((1000, 1000), (1000, 1002))


@pytest.mark.parametrize("joints", [17, 32])
def test_h36m_prepare_and_load_from_17_and_32_joint_files(tmp_path, joints):
    path_3d = h36m_3d(tmp_path / "data_3d_h36m.npz", joints=joints)
    path_2d = tmp_path / "data_2d_h36m_gt.npz"
    assert prepare_ground_truth_2d(str(path_3d), str(path_2d)) == 4
    positions_2d, meta = load_positions_2d(path_2d)
    assert meta["num_joints"] == 17 and len(positions_2d["S1"]["Walking"]) == 4
    seqs = load_h36m_sequences(str(path_3d), str(path_2d), ["S1", "S9"])
    assert len(seqs) == 2 * 2 * 4  # subjects × actions × cameras
    world = load_positions_3d(h36m_3d(tmp_path / "ref17.npz", joints=17))["S1"]["Walking"]
    s = next(x for x in seqs if x.subject == "S1" and x.action == "Walking" and x.camera == 2)
    assert s.positions_3d.shape == (30, 17, 3) and s.keypoints.shape == (30, 17, 2)
    np.testing.assert_array_equal(s.positions_3d[:, 0], 0.0)  # root-relative
    np.testing.assert_allclose(bone_lengths(s.positions_3d), bone_lengths(world), atol=1e-5)  # rigid transform
    assert np.abs(s.keypoints).max() < 1.0  # normalised screen coordinates


def test_2d_longer_than_3d_is_cut_and_shorter_is_an_error(tmp_path):
    path_3d = h36m_3d(tmp_path / "d3.npz")
    path_2d = tmp_path / "d2.npz"
    prepare_ground_truth_2d(str(path_3d), str(path_2d))
    positions_2d, _ = load_positions_2d(path_2d)
    long = {s: {a: [np.concatenate([v, v[-5:]]) for v in views] for a, views in acts.items()} for s, acts in positions_2d.items()}
    save_npz(tmp_path / "long.npz", positions_2d=long, metadata=H36M_META)
    seqs = load_h36m_sequences(str(path_3d), str(tmp_path / "long.npz"), ["S1"])
    assert {s.num_frames for s in seqs} == {30, 12}
    short = {s: {a: [v[:-1] for v in views] for a, views in acts.items()} for s, acts in positions_2d.items()}
    save_npz(tmp_path / "short.npz", positions_2d=short, metadata=H36M_META)
    with pytest.raises(DataError, match=r"short\.npz: S1/Walking camera 0: 29 2D frames, fewer than the 30 3D frames"):
        load_h36m_sequences(str(path_3d), str(tmp_path / "short.npz"), ["S1"])


def test_sequence_missing_from_2d_is_skipped_with_warning(tmp_path):
    path_3d = h36m_3d(tmp_path / "d3.npz")
    path_2d = tmp_path / "d2.npz"
    prepare_ground_truth_2d(str(path_3d), str(path_2d))
    positions_2d, _ = load_positions_2d(path_2d)
    del positions_2d["S9"]["Eating 1"]
    save_npz(tmp_path / "partial.npz", positions_2d=positions_2d, metadata=H36M_META)
    with pytest.warns(UserWarning, match=r"partial\.npz: no 2D for 1 sequences.*S9/Eating 1"):
        seqs = load_h36m_sequences(str(path_3d), str(tmp_path / "partial.npz"), ["S1", "S9"])
    assert len(seqs) == 3 * 4


def test_bad_files_give_one_line_errors_naming_the_file(tmp_path):
    with pytest.raises(DataError, match=r"absent\.npz: no such file"):
        load_positions_3d(tmp_path / "absent.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"junk\.npz: cannot read"):
        load_positions_3d(tmp_path / "junk.npz")
    save_npz(tmp_path / "wrongkey.npz", poses={"S1": {}})
    with pytest.raises(DataError, match=r"wrongkey\.npz: no 'positions_3d' array \(found: poses\)"):
        load_positions_3d(tmp_path / "wrongkey.npz")
    nan = np.zeros((5, 17, 3), np.float32)
    nan[2, 3, 1] = np.nan
    save_npz(tmp_path / "nan.npz", positions_3d={"S1": {"Walking": nan}})
    with pytest.raises(DataError, match=r"nan\.npz: S1/Walking: 1 NaN or infinite values \(first at frame 2\)"):
        load_positions_3d(tmp_path / "nan.npz")
    save_npz(tmp_path / "j20.npz", positions_3d={"S1": {"Walking": np.zeros((5, 20, 3))}})
    with pytest.raises(DataError, match=r"j20\.npz: S1/Walking: 20 joints, expected 17 or 32"):
        load_positions_3d(tmp_path / "j20.npz", num_joints=(17, 32))
    save_npz(tmp_path / "d2.npz", positions_2d={"S1": {"Walking": [np.zeros((5, 16, 2))]}}, metadata=H36M_META)
    with pytest.raises(DataError, match=r"d2\.npz: S1/Walking camera 0: 16 joints, expected 17"):
        load_positions_2d(tmp_path / "d2.npz")
    save_npz(tmp_path / "nometa.npz", positions_2d={}, metadata={"layout_name": "coco"})
    with pytest.raises(DataError, match=r"nometa\.npz: metadata lacks 'num_joints'"):
        load_positions_2d(tmp_path / "nometa.npz")


def test_mpii_input_layout_and_sorted_symmetry_metadata(tmp_path):
    """16 MPII joints in, 17 out; the symmetry lists may be given sorted (as sets)."""
    path_3d = h36m_3d(tmp_path / "d3.npz", subjects=("S1",))
    views = [np.random.default_rng(c).uniform(0, 1000, size=(40, 16, 2)).astype(np.float32) for c in range(4)]
    meta = {"layout_name": "mpii", "num_joints": 16, "keypoints_symmetry": [[3, 4, 5, 13, 14, 15], [0, 1, 2, 10, 11, 12]]}
    save_npz(tmp_path / "sh.npz", positions_2d={"S1": {"Walking": views, "Eating 1": views}}, metadata=meta)
    split = load_split("h36m", str(path_3d), str(tmp_path / "sh.npz"), ["S1"])
    assert split.input_skeleton == MPII_16 and split.output_skeleton == H36M_17
    assert split.sequences[0].keypoints.shape[1:] == (16, 2) and split.sequences[0].positions_3d.shape[1:] == (17, 3)


def test_action_filter_is_a_prefix_match(tmp_path):
    path_3d = h36m_3d(tmp_path / "d3.npz")
    prepare_ground_truth_2d(str(path_3d), str(tmp_path / "d2.npz"))
    seqs = load_h36m_sequences(str(path_3d), str(tmp_path / "d2.npz"), ["S1", "S9"], actions=["Eat"])
    assert {s.action for s in seqs} == {"Eating 1"}


def test_humaneva_loader(tmp_path):
    path_3d, path_2d = humaneva_files(tmp_path)
    train = load_split("humaneva", str(path_3d), str(path_2d), ["Train/S1"], split="train")
    assert {s.subject for s in train.sequences} == {"Train/S1"} and len(train.sequences) == 3 * 3
    test = load_humaneva_sequences(str(path_3d), str(path_2d), ["Validate/S1"], actions=["Walk", "Box"])
    assert {s.action for s in test} == {"Walking 1 chunk0", "Box 1 chunk2"}
    s = test[0]
    assert s.fps == 60.0 and s.positions_3d.shape == (20, 15, 3)
    np.testing.assert_array_equal(s.positions_3d[:, 0], 0.0)
    world = load_positions_3d(path_3d)["Validate/S1"]["Walking 1 chunk0"]
    lengths = [np.linalg.norm(x[:, 1:] - x[:, :1], axis=-1) for x in (s.positions_3d, world)]  # rigid transform
    np.testing.assert_allclose(lengths[0], lengths[1], atol=1e-5)
    with pytest.raises(DataError, match=r"data_3d_humaneva15\.npz: no subject Train/S2"):
        load_split("humaneva", str(path_3d), str(path_2d), split="train")


def test_custom_dataset_2d_only_and_with_3d(tmp_path):
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 640, size=(25, 17, 2)).astype(np.float32)
    meta = {"layout_name": "coco", "num_joints": 17, "keypoints_symmetry": [[1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]],
            "video_metadata": {"clip": {"w": 640, "h": 480}}}
    path_2d = save_npz(tmp_path / "data_2d_custom_mine.npz", positions_2d={"clip": {"custom": [kp]}}, metadata=meta)
    only_2d = load_custom_sequences(str(path_2d))
    assert len(only_2d) == 1 and only_2d[0].positions_3d is None
    np.testing.assert_allclose(only_2d[0].keypoints[..., 0], kp[..., 0] / 640 * 2 - 1, rtol=1e-6)
    pos = rng.normal(size=(25, 17, 3)).astype(np.float32)
    path_3d = save_npz(tmp_path / "data_3d_custom.npz", positions_3d={"clip": {"custom": pos}})
    with_3d = load_custom_sequences(str(path_2d), str(path_3d))
    np.testing.assert_allclose(with_3d[0].positions_3d, pos - pos[:, :1])
    with pytest.raises(DataError, match="training and evaluation need 3D targets"):
        load_split("custom", None, str(path_2d), require_3d=True)
    del meta["video_metadata"]
    save_npz(tmp_path / "nosize.npz", positions_2d={"clip": {"custom": [kp]}}, metadata=meta)
    with pytest.raises(DataError, match=r"nosize\.npz: no image size for clip"):
        load_custom_sequences(str(tmp_path / "nosize.npz"))
