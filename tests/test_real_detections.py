"""Training on a share of real detections (``train --real-2d``): pairing, the window mix, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import exit_code, one_line_error
from datasets_fixtures import H36M_META, h36m_3d, save_npz
from liftformer.cli.main import main
from liftformer.data.datasets import load_split, pair_detections
from liftformer.data.formats import load_positions_2d
from liftformer.data.h36m import prepare_ground_truth_2d
from liftformer.data.pipeline import InputNoise, RealDetections, WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, flip_horizontal
from liftformer.data.virtual_camera import VirtualCameraAugment
from liftformer.errors import DataError

MPII_META = {"layout_name": "mpii", "num_joints": 16,
             "keypoints_symmetry": [[3, 4, 5, 13, 14, 15], [0, 1, 2, 10, 11, 12]]}


def sequences(n: int = 2, frames: int = 30) -> tuple[list[Sequence], list[np.ndarray]]:
    rng = np.random.default_rng(0)
    seqs = [
        Sequence("S1", f"Walk {i}", 0, rng.normal(size=(frames, 17, 2)).astype(np.float32),
                 rng.normal(size=(frames, 17, 3)).astype(np.float32), 50.0,
                 trajectory=np.tile(np.array([0.0, 0.0, 5.0], np.float32), (frames, 1)),
                 up=np.array([0.0, -1.0, 0.0]))
        for i in range(n)
    ]
    real = [(s.keypoints + 0.5 + rng.normal(size=s.keypoints.shape)).astype(np.float32) for s in seqs]
    return seqs, real


def test_real_windows_carry_the_detections_and_the_unaugmented_targets():
    seqs, real = sequences()
    plain = WindowDataset(seqs, 9)
    cameras = VirtualCameraAugment(1.0)
    mixed = WindowDataset(seqs, 9, noise=InputNoise(0.3), cameras=cameras, real=RealDetections(real, 1.0))
    detections = WindowDataset([Sequence(s.subject, s.action, 0, k, s.positions_3d, 50.0) for s, k in zip(seqs, real)], 9)
    idx = torch.arange(len(plain))
    x, y = mixed.get(idx)
    x_real, _ = detections.get(idx)
    _, y_plain = plain.get(idx)
    assert torch.equal(x, x_real)  # no virtual camera, no synthetic noise on top of real detections
    assert torch.equal(y, y_plain)  # the dataset camera's targets, not a virtual camera's


def test_fraction_zero_changes_nothing_and_a_fraction_mixes_that_share():
    seqs, real = sequences(4, 60)
    idx = torch.arange(240)
    torch.manual_seed(0)
    x0, y0 = WindowDataset(seqs, 9).get(idx)
    torch.manual_seed(0)
    x1, y1 = WindowDataset(seqs, 9, real=RealDetections(real, 0.0)).get(idx)
    assert torch.equal(x0, x1) and torch.equal(y0, y1)
    torch.manual_seed(0)
    x, y = WindowDataset(seqs, 9, real=RealDetections(real, 0.3)).get(idx)
    changed = (x != x0).flatten(1).any(1).float().mean().item()
    assert 0.15 < changed < 0.45 and torch.equal(y, y0)


def test_flip_mirrors_the_real_windows_too():
    seqs, real = sequences()
    ds = WindowDataset(seqs, 9, flip=(H36M_17, H36M_17), real=RealDetections(real, 1.0))
    n = ds.num_windows
    x, _ = ds.get(torch.arange(2 * n))
    assert torch.allclose(x[n:], flip_horizontal(x[:n], H36M_17))


def test_real_detections_must_match_the_sequences():
    seqs, real = sequences()
    with pytest.raises(ValueError, match="one to one"):
        WindowDataset(seqs, 9, real=RealDetections(real[:1], 0.5))
    with pytest.raises(ValueError, match="fraction"):
        RealDetections(real, 1.5)


def h36m_files(tmp_path, mpii_frames: int = 30):
    path_3d = h36m_3d(tmp_path / "d3.npz", subjects=("S1", "S9"), frames=(30, 12))
    gt = tmp_path / "gt.npz"
    prepare_ground_truth_2d(str(path_3d), str(gt))
    rng = np.random.default_rng(1)
    views = {a: [rng.uniform(0, 1000, size=(t, 16, 2)).astype(np.float32) for _ in range(4)]
             for a, t in (("Walking", mpii_frames), ("Eating 1", 12))}
    sh = save_npz(tmp_path / "sh.npz", positions_2d={"S1": views, "S9": views}, metadata=MPII_META)
    return path_3d, gt, sh


def test_pairing_by_sequence_with_layout_conversion(tmp_path):
    path_3d, gt, sh = h36m_files(tmp_path)
    train = load_split("h36m", str(path_3d), str(gt), ["S1"])
    raw = load_split("h36m", str(path_3d), str(sh), ["S1"])
    with pytest.raises(DataError, match="--to-h36m"):
        pair_detections(train.sequences, raw, train.input_skeleton, "sh.npz")
    real = load_split("h36m", str(path_3d), str(sh), ["S1"], to_h36m=True)
    paired = pair_detections(train.sequences, real, train.input_skeleton, "sh.npz")
    by_name = {s.name: s.keypoints for s in real.sequences}
    assert [p.shape for p in paired] == [s.keypoints.shape for s in train.sequences]
    assert all(np.array_equal(p, by_name[s.name]) for p, s in zip(paired, train.sequences))
    # a sequence the detections lack keeps its own 2D
    partial = type(real)(real.sequences[1:], real.input_skeleton, real.output_skeleton)
    kept = pair_detections(train.sequences, partial, train.input_skeleton, "sh.npz")
    assert np.array_equal(kept[0], train.sequences[0].keypoints)
    with pytest.raises(DataError, match="none of the training sequences"):
        pair_detections(train.sequences, type(real)([], real.input_skeleton, real.output_skeleton),
                        train.input_skeleton, "sh.npz")


def test_pairing_refuses_a_different_length(tmp_path):
    path_3d, gt, _ = h36m_files(tmp_path)
    train = load_split("h36m", str(path_3d), str(gt), ["S1"])
    short = [Sequence(s.subject, s.action, s.camera, s.keypoints[:-2], s.positions_3d[:-2], 50.0) for s in train.sequences]
    with pytest.raises(DataError, match="frames"):
        pair_detections(train.sequences, type(train)(short, train.input_skeleton, train.output_skeleton),
                        train.input_skeleton, "sh.npz")


def test_train_with_real_detections_end_to_end(tmp_path, capsys):
    path_3d, gt, sh = h36m_files(tmp_path)
    run = tmp_path / "run"
    argv = ["train", "--data-3d", str(path_3d), "--data-2d", str(gt), "--train-subjects", "S1", "--val-subjects", "S9",
            "-n", "5", "--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "32", "--batch-size", "32",
            "--warmup", "10", "--epochs", "1", "--real-2d", str(sh), "--real-fraction", "0.5", "--subset", "0.5",
            "--out", str(run)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "0.5 of them with" in out and (run / "final.safetensors").exists()
    positions, _ = load_positions_2d(sh)  # the input file is left as it was
    assert positions["S1"]["Walking"][0].shape == (30, 16, 2)


@pytest.mark.parametrize("flags, needle", [
    (["--real-fraction", "0.5"], "--real-fraction needs --real-2d"),
    (["--real-2d", "MISSING"], "--real-2d"),
    (["--real-2d", "MISSING", "--real-fraction", "2"], "--real-fraction"),
])
def test_real_flags_are_checked_before_any_data_is_read(tmp_path, capsys, flags, needle):
    flags = [str(tmp_path / "absent_sh.npz") if f == "MISSING" else f for f in flags]
    argv = ["train", "--data-3d", str(tmp_path / "absent.npz"), "--data-2d", str(tmp_path / "absent2d.npz"),
            "--out", str(tmp_path / "run"), *flags]
    assert exit_code(argv) == 2
    one_line_error(capsys, needle)


@pytest.mark.filterwarnings("ignore:.*no 2D for")
def test_real_detections_of_other_sequences_are_one_line(tmp_path, capsys):
    path_3d, gt, _ = h36m_files(tmp_path)
    rng = np.random.default_rng(2)
    views = {"Walking": [rng.uniform(0, 1000, size=(30, 17, 2)).astype(np.float32) for _ in range(4)]}
    other = save_npz(tmp_path / "other.npz", positions_2d={"S2": views}, metadata=H36M_META)
    argv = ["train", "--data-3d", str(path_3d), "--data-2d", str(gt), "--train-subjects", "S1", "--val-subjects", "S9",
            "-n", "5", "--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "32", "--epochs", "1",
            "--real-2d", str(other), "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other.npz" in err
