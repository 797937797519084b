from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from liftformer import CheckpointError
from liftformer.data.pipeline import WindowDataset
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import H36M_17
from liftformer.data.synthetic import synthetic_sequence
from liftformer.evaluation.metrics import mpjpe
from liftformer.model import LiftFormerConfig, TCNConfig, TemporalConvNet
from liftformer.model.checkpoint import load_weights
from liftformer.model.liftformer import default_batch_size
from liftformer.training.trainer import TrainConfig, Trainer

MODEL = LiftFormerConfig(receptive_field=5, d_model=16, heads=2, blocks=2, ffn=32, dropout=0.1)


def synthetic_set(seed: int, frames: int = 48, config: LiftFormerConfig = MODEL) -> WindowDataset:
    """Flip-augmented windows of one synthetic walk, shaped for ``config`` (window length, causal)."""
    seq = synthetic_sequence(frames, seed=seed)
    data = [Sequence("S1", "Walking", 0, seq.keypoints, seq.positions_3d - seq.positions_3d[:, :1], seq.fps)]
    return WindowDataset(data, receptive_field=config.receptive_field, causal=config.causal, flip=(H36M_17, H36M_17))


def make_trainer(out: Path, epochs: int) -> Trainer:
    cfg = TrainConfig(epochs=epochs, batch_size=16, warmup=10, lr_factor=1.0, seed=3)
    return Trainer(MODEL, cfg, synthetic_set(0), out, val_set=synthetic_set(1), progress=False)


def weights(trainer: Trainer) -> torch.Tensor:
    return torch.nn.utils.parameters_to_vector(trainer.model.parameters()).detach()


def test_fit_writes_logs_checkpoints_and_plot(tmp_path):
    history = make_trainer(tmp_path, epochs=2).fit()
    assert [r["epoch"] for r in history] == [1, 2]
    for name in ("last.pt", "best.safetensors", "final.safetensors", "log.csv", "curve.png", "config.json"):
        assert (tmp_path / name).is_file(), name
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert len(rows) == 2 and float(rows[1]["val_mpjpe_mm"]) > 0
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert load_weights(tmp_path / "final.safetensors").config == MODEL
    assert not list(tmp_path.glob(".*.tmp*")), "temporary files left behind"


def test_resume_continues_exactly(tmp_path):
    straight = make_trainer(tmp_path / "a", epochs=3)
    straight.fit()
    interrupted = make_trainer(tmp_path / "b", epochs=1)
    interrupted.fit()
    resumed = make_trainer(tmp_path / "b", epochs=3)
    resumed.resume()
    assert resumed.epoch == 1
    resumed.fit()
    torch.testing.assert_close(weights(resumed), weights(straight), rtol=0, atol=0)
    assert resumed.scheduler.last_epoch == straight.scheduler.last_epoch
    assert [r["train_mpjpe_mm"] for r in resumed.history] == [r["train_mpjpe_mm"] for r in straight.history]


def test_resume_rejects_other_config(tmp_path):
    make_trainer(tmp_path, epochs=1).fit()
    other = Trainer(
        LiftFormerConfig(receptive_field=5, d_model=16, heads=2, blocks=3, ffn=32),
        TrainConfig(epochs=2, batch_size=16), synthetic_set(0), tmp_path, progress=False,
    )
    with pytest.raises(CheckpointError, match=r"last\.pt.*another config.*blocks: 2 != 3"):
        other.resume()
    with pytest.raises(CheckpointError, match="no checkpoint"):
        other.resume(tmp_path / "missing.pt")


def test_default_batch_sizes():
    assert [default_batch_size(n) for n in (27, 81, 243)] == [5120, 3072, 1536]
    assert default_batch_size(9) >= 5120 and default_batch_size(9) % 64 == 0


@pytest.mark.parametrize("budget", [None, "0.001"])
def test_ddp_two_cpu_processes_hold_identical_weights(tmp_path, budget):
    """Both ranks step together, also when a time budget (rank 0's clock) stops them mid-epoch."""
    worker = Path(__file__).with_name("ddp_worker.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(worker), str(tmp_path)]
    result = subprocess.run(cmd + ([budget] if budget else []), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2))
    assert r0["world_size"] == r1["world_size"] == 2 and r0["steps"] == r1["steps"]
    torch.testing.assert_close(r0["initial"], r1["initial"], rtol=0, atol=0)
    assert not torch.allclose(r0["final"], r0["initial"]), "no optimisation step happened"
    torch.testing.assert_close(r0["final"], r1["final"], rtol=0, atol=0)


SEQ_MODEL = dataclasses.replace(MODEL, head="sequence", dropout=0.0)


def sequence_set(seed: int, targets: str, frames: int = 48) -> WindowDataset:
    seq = synthetic_sequence(frames, seed=seed)
    data = [Sequence("S1", "Walking", 0, seq.keypoints, seq.positions_3d - seq.positions_3d[:, :1], seq.fps)]
    return WindowDataset(data, receptive_field=5, flip=(H36M_17, H36M_17), targets=targets)


def test_sequence_head_trains_and_validates_on_the_target_frame(tmp_path):
    cfg = TrainConfig(epochs=1, batch_size=32, warmup=10, lr_factor=1.0, seed=3)
    trainer = Trainer(SEQ_MODEL, cfg, sequence_set(0, "sequence"), tmp_path, val_set=sequence_set(1, "centre"), progress=False)
    x, y = trainer.train_set.get(torch.arange(8))
    assert y.shape == (8, 5, 17, 3)
    with torch.no_grad():  # the loss is MPJPE over all N frames of every window
        expected = mpjpe(trainer.model(x), y).item()
    from liftformer.training.step import train_step

    assert train_step(trainer.model, trainer.optimizer, None, x, y) == pytest.approx(expected, rel=1e-5)
    assert 0 < trainer.train_epoch() < 2 and all(0 < v < 2 for v in trainer.validate())  # metres
    # validation scores the target frame only, whichever targets the validation set holds
    with_sequence_targets = Trainer(SEQ_MODEL, cfg, sequence_set(0, "sequence"), tmp_path / "b",
                                    val_set=sequence_set(1, "sequence"), progress=False)
    with_sequence_targets.model.load_state_dict(trainer.model.state_dict())
    assert with_sequence_targets.validate() == pytest.approx(trainer.validate(), rel=1e-6)


def test_trainer_rejects_targets_of_the_other_head(tmp_path):
    cfg = TrainConfig(epochs=1, batch_size=16)
    with pytest.raises(ValueError, match="sequence head needs targets='sequence'"):
        Trainer(SEQ_MODEL, cfg, sequence_set(0, "centre", frames=10), tmp_path, progress=False)
    with pytest.raises(ValueError, match="centre head needs targets='centre'"):
        Trainer(MODEL, cfg, sequence_set(0, "sequence", frames=10), tmp_path, progress=False)


def test_time_budget_stops_mid_epoch_and_resume_respects_it(tmp_path):
    budget = TrainConfig(epochs=50, batch_size=4, warmup=10, lr_factor=1.0, max_minutes=1e-9)
    trainer = Trainer(MODEL, budget, synthetic_set(0), tmp_path, val_set=synthetic_set(1), progress=False)
    history = trainer.fit()
    assert len(history) == 1 and history[0]["step"] == 1, "the budget must stop the run after its first step"
    assert trainer.budget_spent and 0 < history[0]["train_s"] <= history[0]["elapsed_s"]
    assert 0 < history[0]["val_p_mpjpe_mm"] <= history[0]["val_mpjpe_mm"]
    resumed = Trainer(MODEL, budget, synthetic_set(0), tmp_path, val_set=synthetic_set(1), progress=False)
    resumed.resume()
    assert resumed.fit() == history, "a run whose budget is spent must not train further"
    with pytest.raises(ValueError, match="max_minutes must be positive"):
        TrainConfig(max_minutes=0)


def test_tcn_trains_with_videopose3d_schedule(tmp_path):
    tcn = TCNConfig(filter_widths=(3, 3), channels=16, dropout=0.0)
    data = [synthetic_sequence(60, seed=s) for s in (0, 1)]
    sets = [
        WindowDataset([Sequence("S1", "Walking", 0, d.keypoints, d.positions_3d - d.positions_3d[:, :1], d.fps)],
                      receptive_field=9, flip=(H36M_17, H36M_17) if i == 0 else None)
        for i, d in enumerate(data)
    ]
    cfg = TrainConfig(epochs=4, batch_size=30, schedule="exponential", lr=1e-2, lr_decay=0.5, seed=1)
    trainer = Trainer(tcn, cfg, sets[0], tmp_path, val_set=sets[1], progress=False)
    history = trainer.fit()
    steps_per_epoch = -(-len(sets[0]) // 30)
    assert history[-1]["step"] == 4 * steps_per_epoch
    assert history[-1]["lr"] == pytest.approx(1e-2 * 0.5**4)  # decayed by lr_decay per epoch
    assert history[-1]["train_mpjpe_mm"] < history[0]["train_mpjpe_mm"]
    assert isinstance(load_weights(tmp_path / "final.safetensors"), TemporalConvNet)
    with pytest.raises(ValueError, match="schedule must be one of"):
        TrainConfig(schedule="cosine")


def test_start_from_takes_weights_across_window_length_and_causality(tmp_path):
    """Fine-tuning: a 5-frame model's weights start a 9-frame causal one (and its EMA); shapes must match."""
    from liftformer.model.checkpoint import save_weights

    source = make_trainer(tmp_path / "a", epochs=1)
    source.fit()
    longer = dataclasses.replace(MODEL, receptive_field=9, causal=True, dropout=0.0)
    windows = synthetic_set(0, config=longer)
    cfg = TrainConfig(epochs=1, batch_size=16, warmup=10, lr_factor=1.0, ema=0.9)
    fresh = Trainer(longer, cfg, windows, tmp_path / "b", progress=False)
    assert not torch.equal(weights(fresh), weights(source))
    fresh.start_from(tmp_path / "a" / "final.safetensors")
    torch.testing.assert_close(weights(fresh), weights(source), rtol=0, atol=0)
    assert fresh.ema is not None
    torch.testing.assert_close(torch.nn.utils.parameters_to_vector(fresh.ema.model.parameters()), weights(source), rtol=0, atol=0)
    assert fresh.model.positional.shape[0] == 9  # rebuilt for the new window, not copied
    fresh.fit()
    assert not torch.equal(weights(fresh), weights(source))  # it trains on from there
    assert json.loads((tmp_path / "b" / "config.json").read_text())["init"] == str(tmp_path / "a" / "final.safetensors")
    resumed = Trainer(longer, dataclasses.replace(cfg, epochs=2), windows, tmp_path / "b", progress=False)
    resumed.resume()
    assert resumed.init == str(tmp_path / "a" / "final.safetensors")  # a resumed fine-tuning run keeps its record
    wider = Trainer(dataclasses.replace(MODEL, d_model=32), cfg, synthetic_set(0), tmp_path / "c", progress=False)
    with pytest.raises(CheckpointError, match=r"cannot start this model from it \(d_model: 16 != 32\); only receptive_field"):
        wider.start_from(tmp_path / "a" / "final.safetensors")
    save_weights(TemporalConvNet(TCNConfig(filter_widths=(3, 3), channels=8)), tmp_path / "tcn.safetensors")
    with pytest.raises(CheckpointError, match="arch: tcn != liftformer"):
        fresh.start_from(tmp_path / "tcn.safetensors")


def test_an_interrupted_run_leaves_last_and_best_but_no_final(tmp_path, monkeypatch):
    def interrupting(trainer: Trainer, at: int) -> Trainer:
        original, calls = trainer.train_epoch, []

        def epoch() -> float:
            calls.append(1)
            if len(calls) == at:
                raise KeyboardInterrupt
            return original()

        monkeypatch.setattr(trainer, "train_epoch", epoch)
        return trainer

    with pytest.raises(KeyboardInterrupt):
        interrupting(make_trainer(tmp_path / "a", epochs=3), at=2).fit()
    assert (tmp_path / "a" / "last.pt").is_file() and (tmp_path / "a" / "best.safetensors").is_file()
    assert not (tmp_path / "a" / "final.safetensors").exists()
    make_trainer(tmp_path / "b", epochs=1).fit()  # a finished run, then resumed for more and interrupted
    assert (tmp_path / "b" / "final.safetensors").is_file()
    resumed = interrupting(make_trainer(tmp_path / "b", epochs=3), at=2)
    resumed.resume()
    with pytest.raises(KeyboardInterrupt):
        resumed.fit()
    assert resumed.epoch == 2 and not (tmp_path / "b" / "final.safetensors").exists()  # older than last.pt: removed
