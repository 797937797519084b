from __future__ import annotations

import numpy as np
import pytest
import torch

from liftformer.data.windows import gather_windows, pad_sequence, sliding_windows, window_padding


def reference_windows(seq: np.ndarray, n: int, causal: bool) -> np.ndarray:
    """Slow, obviously-correct windows: clamp every index into the sequence."""
    t_len = len(seq)
    out = []
    for t in range(t_len):
        idx = range(t - n + 1, t + 1) if causal else range(t - n // 2, t + n // 2 + 1)
        out.append(np.stack([seq[min(max(i, 0), t_len - 1)] for i in idx]))
    return np.stack(out)


@pytest.mark.parametrize("t_len", [1, 5, 30])
@pytest.mark.parametrize("n", [1, 9, 27])
@pytest.mark.parametrize("causal", [False, True])
def test_sliding_windows_match_reference(t_len, n, causal):
    seq = np.random.default_rng(0).normal(size=(t_len, 4, 2)).astype(np.float32)
    got = sliding_windows(seq, n, causal)
    assert got.shape == (t_len, n, 4, 2)
    np.testing.assert_array_equal(got.numpy(), reference_windows(seq, n, causal))


def test_window_targets_its_frame():
    seq = torch.arange(20, dtype=torch.float32).reshape(20, 1, 1)
    centred = sliding_windows(seq, 9, causal=False)
    causal = sliding_windows(seq, 9, causal=True)
    assert torch.equal(centred[:, 4, 0, 0], seq[:, 0, 0])
    assert torch.equal(causal[:, -1, 0, 0], seq[:, 0, 0])
    assert (causal[:, :, 0, 0] <= seq[:, :, 0]).all(), "a causal window holds a future frame"


def test_sliding_windows_is_a_view():
    seq = torch.randn(50, 17, 2)
    padded_elems = (50 + 26) * 17 * 2
    w = sliding_windows(seq, 27)
    assert w.untyped_storage().nbytes() == padded_elems * 4


def test_gather_windows_matches_sliding():
    seq = torch.randn(40, 3, 2)
    padded = pad_sequence(seq, 9, causal=False)
    starts = torch.tensor([0, 7, 39, 12])
    torch.testing.assert_close(gather_windows(padded, starts, 9), sliding_windows(seq, 9)[starts])


def test_padding_amounts():
    assert window_padding(27, causal=False) == (13, 13)
    assert window_padding(27, causal=True) == (26, 0)
    with pytest.raises(ValueError):
        window_padding(4, causal=False)
