"""Training that fits the machine: the measured memory of a step, the micro-batch plan, gradient accumulation."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from conftest import one_line_error
from liftformer.cli.main import main
from liftformer.model import LiftFormerConfig, TCNConfig
from liftformer.model.registry import build_model
from liftformer.training import memory
from liftformer.training.memory import MemoryPlan, micro_batches_needed, plan_memory, saved_bytes, saved_bytes_per_window
from liftformer.training.step import train_step_async
from liftformer.training.trainer import TrainConfig, Trainer
from test_trainer import MODEL, synthetic_set

GB = 10**9


@pytest.fixture(scope="module")
def h36m_files(tmp_path_factory) -> dict:
    """Synthetic Human3.6M-layout 3D and its ground-truth 2D."""
    from datasets_fixtures import h36m_3d

    tmp = tmp_path_factory.mktemp("h36m")
    path_3d = h36m_3d(tmp / "data_3d_h36m.npz", frames=(16, 1))
    path_2d = tmp / "data_2d_h36m_gt.npz"
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_2d)]) == 0
    return {"3d": str(path_3d), "2d": str(path_2d)}


def test_micro_batches_needed_is_the_fewest_that_fit():
    assert micro_batches_needed(5120, per_window=1e6, fixed=0, available=10 * GB, headroom=1.0) == 1
    assert micro_batches_needed(5120, per_window=7e6, fixed=0, available=10 * GB, headroom=1.0) == 4  # 1428 fit
    k = micro_batches_needed(5120, per_window=7e6, fixed=2 * GB, available=24 * GB, headroom=0.85)
    assert 7e6 * -(-5120 // k) + 2 * GB <= 0.85 * 24 * GB < 7e6 * -(-5120 // (k - 1)) + 2 * GB
    with pytest.raises(ValueError, match="one training window needs"):
        micro_batches_needed(16, per_window=2 * GB, fixed=0, available=GB)


def test_saved_bytes_grow_with_the_model_and_not_with_the_probe():
    small, big = (build_model(dataclasses.replace(MODEL, d_model=d, ffn=4 * d)) for d in (16, 64))
    window = torch.zeros(8, MODEL.receptive_field, 17, 2)
    per_small = saved_bytes_per_window(small, window)
    assert 0 < per_small < saved_bytes_per_window(big, window)
    assert saved_bytes(small, window) > 8 * per_small  # the weights are saved once a pass, not per window
    assert saved_bytes_per_window(small, torch.zeros(32, MODEL.receptive_field, 17, 2)) == pytest.approx(per_small, rel=0.05)


def test_plan_leaves_the_random_stream_and_the_model_as_they_were():
    model = build_model(MODEL)  # dropout 0.1: the probe draws masks
    torch.manual_seed(5)
    plan = plan_memory(model, (MODEL.receptive_field, 17, 2), 64, "cpu")
    after = torch.rand(3)
    torch.manual_seed(5)
    torch.testing.assert_close(after, torch.rand(3))
    assert plan.micro_batches == 1 and plan.per_window > 0 and plan.available > 0
    tcn = build_model(TCNConfig(filter_widths=(3, 3), channels=16)).eval()  # batch norm: running statistics
    before = {name: b.clone() for name, b in tcn.state_dict().items()}
    plan_memory(tcn, (9, 17, 2), 64, "cpu")
    assert not tcn.training and all(torch.equal(before[name], b) for name, b in tcn.state_dict().items())


def test_accumulated_micro_batches_give_the_big_batch_gradients_and_weights():
    """Same gradients, hence (SGD) the same weights, up to float tolerance. With Adam a weight whose gradient is ~0
    moves by ~lr whatever its sign's rounding, so weights are compared under SGD and gradients directly."""
    config = dataclasses.replace(MODEL, dropout=0.0)  # dropout draws its masks per pass: same law, other samples
    x, y = synthetic_set(0).get(torch.arange(48))
    runs = []
    for k in (1, 3, 5):
        torch.manual_seed(0)
        model = build_model(config)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = [train_step_async(model, optimizer, None, x, y, micro_batches=k) for _ in range(3)]
        grads = torch.cat([p.grad.flatten() for p in model.parameters()])
        runs.append((torch.nn.utils.parameters_to_vector(model.parameters()).detach(), grads, torch.stack(losses)))
    for weights, grads, losses in runs[1:]:
        torch.testing.assert_close(grads, runs[0][1], rtol=1e-4, atol=1e-7)
        torch.testing.assert_close(weights, runs[0][0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(losses, runs[0][2], rtol=1e-5, atol=1e-7)


def test_trainer_splits_a_batch_that_does_not_fit(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda device: (1, "test"))
    monkeypatch.setattr(memory, "micro_batches_needed", lambda batch, per_window, fixed, available: 4)
    trainer = Trainer(MODEL, TrainConfig(epochs=1, batch_size=16, warmup=10, seed=3), synthetic_set(0), tmp_path, progress=False)
    assert trainer.micro_batches == 4 and isinstance(trainer.memory, MemoryPlan)
    assert "4 micro-batches of 4 with gradient accumulation" in trainer.memory.describe()
    forced = Trainer(MODEL, TrainConfig(epochs=1, batch_size=16, micro_batches=2), synthetic_set(0), tmp_path, progress=False)
    assert forced.micro_batches == 2 and forced.memory is None


def test_cli_says_when_it_accumulates_and_refuses_a_window_that_cannot_fit(h36m_files, tmp_path, monkeypatch, capsys):
    args = ["train", "--data-3d", h36m_files["3d"], "--data-2d", h36m_files["2d"], "--train-subjects", "S1", "--val-subjects",
            "S9", "-n", "3", "--d-model", "8", "--heads", "2", "--blocks", "1", "--ffn", "8", "--epochs", "1", "--batch-size", "16"]
    monkeypatch.setattr(memory, "available_memory", lambda device: (1, "a tiny test machine"))
    assert main([*args, "--out", str(tmp_path / "none")]) == 2
    one_line_error(capsys, "one training window needs", "a smaller model")
    assert not (tmp_path / "none").exists()  # refused before anything was written
    model = build_model(LiftFormerConfig(receptive_field=3, d_model=8, heads=2, blocks=1, ffn=8))
    per_window = memory.SAVED_TO_PEAK * saved_bytes_per_window(model, torch.zeros(4, 3, 17, 2))
    room = (memory.fixed_bytes(model, ema=False) + 6 * per_window) / memory.HEADROOM  # about 6 windows a pass
    monkeypatch.setattr(memory, "available_memory", lambda device: (int(room), "test"))
    assert main([*args, "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "micro-batches of" in out and (tmp_path / "run" / "final.safetensors").is_file()


def test_a_batch_smaller_than_its_micro_batches_still_trains(tmp_path):
    """The last, partial batch of an epoch (here 1 window) and more micro-batches than windows: no empty slice."""
    data = synthetic_set(0)
    batch = len(data) - 1  # the epoch's second batch holds one window
    trainer = Trainer(MODEL, TrainConfig(epochs=1, batch_size=batch, warmup=10, micro_batches=4), data, tmp_path, progress=False)
    assert len(trainer.fit()) == 1 and (tmp_path / "final.safetensors").is_file()
    x, y = data.get(torch.arange(3))
    model = build_model(MODEL)
    loss = train_step_async(model, torch.optim.SGD(model.parameters(), lr=0.1), None, x, y, micro_batches=8)
    assert torch.isfinite(loss)
