from __future__ import annotations

import numpy as np
import pytest
import torch

from liftformer.data.pipeline import WindowDataset, subset_sequences
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, MPII_16, flip_horizontal
from liftformer.data.windows import sliding_windows


def make_sequences(lengths=(12, 5, 30), j_in=16, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i, t in enumerate(lengths):
        pos = rng.normal(size=(t, 17, 3)).astype(np.float32)
        pos -= pos[:, :1]
        out.append(Sequence("S1", f"Walking {i}", i % 4, rng.normal(size=(t, j_in, 2)).astype(np.float32), pos, 50.0))
    return out


@pytest.mark.parametrize("causal", [False, True])
def test_windows_match_per_sequence_reference(causal):
    seqs = make_sequences()
    ds = WindowDataset(seqs, receptive_field=7, causal=causal)
    assert len(ds) == sum(s.num_frames for s in seqs)
    x, y = ds.get(torch.arange(len(ds)))
    ref_x = torch.cat([sliding_windows(s.keypoints, 7, causal) for s in seqs])
    ref_y = torch.cat([torch.from_numpy(s.positions_3d) for s in seqs]).unsqueeze(1)
    torch.testing.assert_close(x, ref_x, rtol=0, atol=0)
    torch.testing.assert_close(y, ref_y, rtol=0, atol=0)


def test_flip_doubles_with_mirrored_copies():
    seqs = make_sequences()
    ds = WindowDataset(seqs, receptive_field=5, flip=(MPII_16, H36M_17))
    n = ds.num_windows
    assert len(ds) == 2 * n
    idx = torch.tensor([0, 3, 20])
    x, y = ds.get(idx)
    xf, yf = ds.get(idx + n)
    torch.testing.assert_close(xf, flip_horizontal(x, MPII_16))
    torch.testing.assert_close(yf, flip_horizontal(y, H36M_17))


def test_downsample_keeps_every_kth_target():
    seqs = make_sequences(lengths=(10,))
    ds = WindowDataset(seqs, receptive_field=3, downsample=3)
    _, y = ds.get(torch.arange(len(ds)))
    torch.testing.assert_close(y[:, 0], torch.from_numpy(seqs[0].positions_3d[::3]))


def test_epoch_covers_every_sample_once_across_ranks():
    ds = WindowDataset(make_sequences(), receptive_field=3, flip=(MPII_16, H36M_17))
    seen = []
    for rank in range(2):
        g = torch.Generator().manual_seed(7)
        for x, _ in ds.batches(8, generator=g, rank=rank, world_size=2):
            seen.append(x[:, 1, 0, 0])  # centre frame's first coordinate identifies the sample
    all_ids = torch.cat(seen)
    full = ds.get(torch.arange(len(ds)))[0][:, 1, 0, 0]
    assert len(all_ids) == len(ds)
    torch.testing.assert_close(all_ids.sort().values, full.sort().values)


def test_subset_is_contiguous_fraction():
    seqs = make_sequences(lengths=(100,))
    sub = subset_sequences(seqs, 0.1, seed=1)[0]
    assert sub.num_frames == 10
    start = int(np.where((seqs[0].keypoints == sub.keypoints[0]).all(axis=(1, 2)))[0][0])
    np.testing.assert_array_equal(seqs[0].positions_3d[start : start + 10], sub.positions_3d)


def test_2d_only_sequences_rejected():
    s = make_sequences(lengths=(5,))[0]
    with pytest.raises(ValueError, match="3D targets"):
        WindowDataset([Sequence(s.subject, s.action, 0, s.keypoints, None, 50.0)], 3)


def test_input_noise_jitters_inputs_only():
    from liftformer.data.pipeline import InputNoise

    seqs = make_sequences(lengths=(200,))
    clean = WindowDataset(seqs, receptive_field=3)
    noisy = WindowDataset(seqs, receptive_field=3, noise=InputNoise(std=0.01, outliers=0.05))
    idx = torch.arange(200)
    (x0, y0), (x1, y1) = clean.get(idx), noisy.get(idx)
    torch.testing.assert_close(y1, y0)
    d = (x1 - x0).abs()
    assert 0.005 < d.median().item() < 0.01  # median |N(0, 0.01)| ≈ 0.0067
    assert (d > 0.05).float().mean().item() > 0.01  # the 10x outliers exist


@pytest.mark.parametrize("causal", [False, True])
def test_sequence_targets_are_the_3d_of_every_window_frame(causal):
    seqs = make_sequences()
    centre = WindowDataset(seqs, receptive_field=7, causal=causal)
    ds = WindowDataset(seqs, receptive_field=7, causal=causal, targets="sequence")
    assert len(ds) == len(centre)
    idx = torch.arange(len(ds))
    (x, y), (xc, yc) = ds.get(idx), centre.get(idx)
    ref_y = torch.cat([sliding_windows(s.positions_3d, 7, causal) for s in seqs])  # edge-padded 3D windows
    assert y.shape == (len(ds), 7, 17, 3)
    torch.testing.assert_close(y, ref_y, rtol=0, atol=0)
    torch.testing.assert_close(x, xc, rtol=0, atol=0)
    target = 6 if causal else 3
    torch.testing.assert_close(y[:, target : target + 1], yc, rtol=0, atol=0)


def test_sequence_targets_flip_and_downsample():
    seqs = make_sequences()
    ds = WindowDataset(seqs, receptive_field=5, flip=(MPII_16, H36M_17), downsample=2, targets="sequence")
    n = ds.num_windows
    assert n == sum(-(-s.num_frames // 2) for s in seqs)
    idx = torch.tensor([0, 3, n - 1])
    (x, y), (xf, yf) = ds.get(idx), ds.get(idx + n)
    torch.testing.assert_close(xf, flip_horizontal(x, MPII_16))
    torch.testing.assert_close(yf, flip_horizontal(y, H36M_17))
    _, y_all = ds.get(torch.arange(n))
    torch.testing.assert_close(y_all[: len(range(0, 12, 2)), 2], torch.from_numpy(seqs[0].positions_3d[::2]))


def test_unknown_target_mode_rejected():
    with pytest.raises(ValueError, match="targets"):
        WindowDataset(make_sequences(), 3, targets="all")
