"""Learned detector noise: fitting recovers injected statistics, applying is seeded, symmetric and vectorised."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import exit_code, one_line_error
from liftformer.cli.main import main
from liftformer.data.detector_noise import DetectorNoise, load_detector_noise
from liftformer.data.detector_noise_fit import H36M_REFERENCE, LEVELS, fit_detector_noise
from liftformer.data.pipeline import WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17, flip_horizontal
from liftformer.data.synthetic import synthetic_motion
from liftformer.errors import DataError

J = H36M_17.num_joints
PAIRS = tuple(zip(H36M_17.joints_left, H36M_17.joints_right))


def make_model(sigma=0.0, rho=0.0, a=0.0, cy=0.0, outlier_rate=0.0, swap_rate=0.0, length=1.0) -> DetectorNoise:
    bias = np.zeros((J, 4))
    bias[:, 0], bias[:, 3] = a, cy
    return DetectorNoise(
        reference=H36M_REFERENCE, bias=bias, chol=np.tile(np.eye(2) * sigma, (J, 1, 1)), rho=np.full(J, rho),
        spread=np.ones((J, LEVELS)), outlier_rate=np.full(J, outlier_rate), outlier_length=np.full(J, length),
        outlier_size=np.tile(np.linspace(1.0, 2.0, LEVELS), (J, 1)), pairs=PAIRS,
        swap_rate=np.full(len(PAIRS), swap_rate), swap_length=np.full(len(PAIRS), length), info={"skeleton": "h36m"},
    )


def poses(sequences: int, frames: int) -> np.ndarray:
    """(S, T, 17, 2) orthographic views of synthetic walks, normalised-screen sized, turning in the image plane
    (so that bone directions vary, as across the cameras and actions of real data)."""
    out = []
    for i in range(sequences):
        xy = synthetic_motion(frames, seed=i)[..., :2] * np.array([0.25, -0.25])
        angle = np.linspace(0, 2 * np.pi, frames)[:, None] + i
        c, s = np.cos(angle), np.sin(angle)
        out.append(np.stack([c * xy[..., 0] - s * xy[..., 1], s * xy[..., 0] + c * xy[..., 1]], -1))
    return np.stack(out).astype(np.float32)


def test_fit_recovers_injected_statistics():
    gt = poses(24, 250)
    truth = make_model(sigma=0.05, rho=0.8, a=0.1, cy=0.03, outlier_rate=0.03, swap_rate=0.04, length=4.0)
    det = truth.apply(torch.from_numpy(gt), torch.Generator().manual_seed(0)).numpy()
    fit = fit_detector_noise(list(gt), list(det))
    np.testing.assert_allclose(fit.bias[:, 0], 0.1, atol=0.02)
    np.testing.assert_allclose(fit.bias[:, 3], 0.03, atol=0.01)
    np.testing.assert_allclose(fit.bias[:, [1, 2]], 0.0, atol=0.02)
    sigma = np.sqrt((fit.chol**2).sum((1, 2)) / 2)
    np.testing.assert_allclose(sigma, 0.05, rtol=0.12)
    np.testing.assert_allclose(fit.rho, 0.8, atol=0.06)
    np.testing.assert_allclose(fit.outlier_rate.mean(), 0.03, rtol=0.2)
    np.testing.assert_allclose(fit.swap_rate.mean(), 0.04, rtol=0.25)
    assert 2.5 < fit.swap_length.mean() < 5.5 and 2.5 < fit.outlier_length.mean() < 5.5
    assert fit.outlier_size[:, LEVELS // 2].mean() == pytest.approx(1.5, abs=0.2)


def test_zero_model_is_the_identity():
    x = torch.randn(4, 9, J, 2)
    assert torch.equal(make_model().apply(x), x)


def test_seeded_reproducibility():
    model = load_detector_noise("sh")
    x = torch.from_numpy(poses(2, 27))
    y1 = model.apply(x, torch.Generator().manual_seed(3))
    y2 = model.apply(x, torch.Generator().manual_seed(3))
    y3 = model.apply(x, torch.Generator().manual_seed(4))
    assert torch.equal(y1, y2) and not torch.equal(y1, y3)
    torch.manual_seed(5)
    g1 = model.apply(x)
    torch.manual_seed(5)
    assert torch.equal(g1, model.apply(x))
    assert y1.shape == x.shape and torch.isfinite(y1).all()


def test_swap_rate_and_run_length_match_the_configuration():
    model = make_model(swap_rate=0.1, length=4.0)
    x = torch.from_numpy(poses(1, 27)).expand(1500, -1, -1, -1).contiguous()
    y = model.apply(x, torch.Generator().manual_seed(0))
    left, right = list(H36M_17.joints_left), list(H36M_17.joints_right)
    swapped = (y[:, :, left] - x[:, :, right]).abs().amax(-1) < 1e-6  # (B, T, K)
    assert swapped.float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert swapped[:, 0].float().mean().item() == pytest.approx(0.1, abs=0.015)  # stationary from the first frame
    assert swapped[:, -1].float().mean().item() == pytest.approx(0.1, abs=0.015)
    s = swapped.permute(0, 2, 1).reshape(-1, 27).numpy()
    onsets = s[:, 0].sum() + (s[:, 1:] & ~s[:, :-1]).sum()
    assert s.sum() / onsets == pytest.approx(3.5, abs=0.6)  # runs cut by the window's ends are shorter than 4
    unchanged = [j for j in range(J) if j not in left + right]
    assert torch.equal(y[:, :, unchanged], x[:, :, unchanged])


def test_flip_consistency():
    x = torch.from_numpy(poses(3, 27))
    swaps = make_model(swap_rate=0.3, length=3.0)
    a = swaps.apply(flip_horizontal(x, H36M_17), torch.Generator().manual_seed(1))
    b = flip_horizontal(swaps.apply(x, torch.Generator().manual_seed(1)), H36M_17)
    assert torch.equal(a, b)  # a swap on a flipped sample is the flipped swap
    shipped = load_detector_noise("sh")
    offsets = replace(shipped, chol=shipped.chol * 0, outlier_rate=shipped.outlier_rate * 0, swap_rate=shipped.swap_rate * 0)
    torch.testing.assert_close(offsets.apply(flip_horizontal(x, H36M_17)), flip_horizontal(offsets.apply(x), H36M_17),
                               atol=1e-4, rtol=0)  # the fitted offsets are mirror-symmetric


def test_json_round_trip(tmp_path):
    model = fit_detector_noise(list(poses(2, 200)), list(poses(2, 200) + 0.01))
    model.save(tmp_path / "m.json")
    back = load_detector_noise(str(tmp_path / "m.json"))
    assert back.to_dict() == json.loads(json.dumps(model.to_dict()))
    shipped = load_detector_noise("sh")
    assert shipped.num_joints == 17 and "non-commercial" in shipped.info["licence"]
    assert len(json.dumps(shipped.to_dict())) < 50_000  # aggregate statistics only


@pytest.mark.parametrize("text, needle", [
    ("{not json", "not valid JSON"),
    ('{"format": "liftformer-detector-noise/1"}', "missing field"),
    ("[1, 2]", "expected a JSON object"),
])
def test_bad_json_is_one_line_error(tmp_path, text, needle):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DataError, match=needle) as e:
        load_detector_noise(str(path))
    assert "\n" not in str(e.value) and str(path) in str(e.value)


def test_bad_values_are_refused(tmp_path):
    raw = load_detector_noise("sh").to_dict()
    for field, value, needle in [("bias", [[0.0] * 4], "bias has shape"), ("swap_rate", [1.5] * 6, "swap_rate"),
                                 ("rho", [float("nan")] * 17, "NaN")]:
        path = tmp_path / f"{field}.json"
        path.write_text(json.dumps({**raw, field: value}))
        with pytest.raises(DataError, match=needle):
            load_detector_noise(str(path))


def test_pipeline_applies_the_model():
    gt = poses(2, 40)
    seqs = [Sequence("S1", f"Walk {i}", 0, g, np.zeros((40, 17, 3), np.float32), 50.0) for i, g in enumerate(gt)]
    ds = WindowDataset(seqs, 9, flip=(H36M_17, H36M_17), noise=load_detector_noise("sh"))
    clean = WindowDataset(seqs, 9, flip=(H36M_17, H36M_17))
    idx = torch.arange(len(ds))
    x, _ = ds.get(idx)
    x0, _ = clean.get(idx)
    assert x.shape == x0.shape and not torch.equal(x, x0)
    assert (x - x0).norm(dim=-1).median() < 0.05


def test_cli_flag_errors(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--data-2d", "x.npz", "--out", "r", "--noise-model", "gaussian"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--noise-model" in err


def test_noise_fraction_corrupts_only_that_share_of_windows():
    from liftformer.data.pipeline import InputNoise, MixedNoise

    x = torch.rand(2000, 9, 17, 2)
    torch.manual_seed(0)
    out = MixedNoise(load_detector_noise("sh"), 0.3).apply(x)
    changed = (out != x).flatten(1).any(1).float().mean().item()
    assert abs(changed - 0.3) < 0.05
    jittered = MixedNoise(load_detector_noise("sh"), 0.3, InputNoise(1e-3)).apply(x)
    small = ((jittered - x).abs().flatten(1).amax(1) < 0.01).float().mean().item()
    assert abs(small - 0.7) < 0.05  # the other windows get only the light jitter


@pytest.mark.parametrize("flags, needle", [
    (["--noise-fraction", "0.5"], "--noise-fraction needs --noise-model"),
    (["--noise-model", "sh", "--noise-2d", "0.01"], "--noise-model replaces the hand-set jitter"),
    (["--noise-model", "sh", "--noise-fraction", "1.5"], "--noise-fraction"),
])
def test_noise_fraction_flags_are_checked_before_any_data_is_read(tmp_path, capsys, flags, needle):
    absent = [str(tmp_path / "absent.npz"), str(tmp_path / "absent2d.npz")]
    argv = ["train", "--data-3d", absent[0], "--data-2d", absent[1], "--out", str(tmp_path / "run"), *flags]
    assert exit_code(argv) == 2
    one_line_error(capsys, needle)
