"""Recipes and training-step levers (issue 10): presets, EMA, gradient clipping, static shapes, loss read
every k steps, MFU, and the device script's Python half. Synthetic data only."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from liftformer.cli.main import build_parser, main
from liftformer.cli.recipe_args import recipe_from_args
from liftformer.model import LiftFormerConfig, build_model
from liftformer.timing import gemm_reference, gflops, mfu
from liftformer.training.config import TrainConfig
from liftformer.training.optim import build_optimizer, cooldown_factor, noam_lr
from liftformer.training.recipe import RECIPES, Recipe, WeightEMA, resolve_recipe
from liftformer.training.step import train_step_async
from liftformer.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_trainer import MODEL, synthetic_set  # noqa: E402


def test_presets_resolve_to_the_documented_values():
    assert RECIPES["paper"] == Recipe("paper", lr_factor=12.0, warmup=1000, clip_grad=0.0, ema=0.0, lr_ref_batch=None)
    assert RECIPES["stable"] == Recipe("stable", lr_factor=2.5, warmup=1000, clip_grad=1.0, ema=0.999, lr_ref_batch=512)
    assert RECIPES["stable"].lr_scale(2048) == pytest.approx(2.0)
    assert RECIPES["paper"].lr_scale(2048) == 1.0
    tuned = resolve_recipe("stable", lr_factor=4.0, ema=0.0, warmup=None)
    assert (tuned.lr_factor, tuned.ema, tuned.warmup, tuned.clip_grad) == (4.0, 0.0, 1000, 1.0)


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler")  # a regex: no parentheses
def test_recipe_paper_is_the_default_and_equals_the_old_defaults_exactly():
    def parse(*extra: str):
        return build_parser().parse_args(["train", "--data-2d", "x.npz", "--out", "o", *extra])

    for args in (parse(), parse("--recipe", "paper")):
        r = recipe_from_args(args)
        assert r == RECIPES["paper"]
        assert not args.drop_last and args.sync_every == 50
        cfg = TrainConfig(warmup=r.warmup, lr_factor=r.lr_factor, recipe=r.name, clip_grad=r.clip_grad, ema=r.ema,
                          lr_ref_batch=r.lr_ref_batch)
        assert cfg == TrainConfig()  # the fields train filled in before recipes existed: warmup 1000, factor 12
    # and the schedule is the paper's Noam, untouched by the batch scaling
    model = build_model(MODEL)
    optimizer, scheduler = build_optimizer(model, 512, TrainConfig().warmup, TrainConfig().lr_factor,
                                           TrainConfig().knobs().lr_scale(5120))
    for step in range(1, 2001):
        assert optimizer.param_groups[0]["lr"] == noam_lr(step, 512, 1000, 12.0)
        scheduler.step()
    assert isinstance(optimizer.param_groups[0]["lr"], float) and "fused" in optimizer.defaults


@pytest.mark.parametrize("flag, value, needle", [
    ("--clip-grad", "-1", "argument --clip-grad: expected a number ≥ 0"),
    ("--ema", "1", "argument --ema: expected a decay in [0, 1)"),
    ("--ema", "nan", "argument --ema"),
    ("--lr-ref-batch", "0", "argument --lr-ref-batch: expected a positive integer"),
    ("--warmup", "0", "argument --warmup: expected a positive integer"),
    ("--lr-factor", "-2", "argument --lr-factor: expected a positive number"),
    ("--sync-every", "0", "argument --sync-every: expected a positive integer"),
    ("--cooldown", "2", "argument --cooldown: expected a number in [0, 1]"),
    ("--recipe", "fast", "argument --recipe: invalid choice"),
])
def test_bad_recipe_values_are_one_line_exit_2(tmp_path, capsys, flag, value, needle):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--data-2d", str(tmp_path / "none.npz"), "--out", str(tmp_path / "run"), flag, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err, err
    assert not (tmp_path / "run").exists()


def test_gradient_clipping_bounds_the_global_norm():
    torch.manual_seed(0)
    model = build_model(MODEL)
    optimizer, scheduler = build_optimizer(model, MODEL.width, warmup=10, factor=1.0)
    x, y = torch.randn(8, 5, 17, 2) * 50, torch.randn(8, 1, 17, 3) * 50  # large errors: large gradients

    def norm() -> float:
        return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()])))

    train_step_async(model, optimizer, scheduler, x, y)
    assert norm() > 0.5
    train_step_async(model, optimizer, scheduler, x, y, clip_grad=0.05)
    assert norm() <= 0.05 * (1 + 1e-4)


def test_ema_tracks_with_warmed_up_decay_and_is_what_training_saves(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    ema = WeightEMA(model, 0.9)
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update()  # decay min(0.9, 2/11): the average moves most of the way at first
    expected = (model.weight - 1.0) * (2 / 11) + model.weight * (9 / 11)
    torch.testing.assert_close(ema.model.weight, expected)
    assert not ema.model.weight.requires_grad

    cfg = TrainConfig(epochs=2, batch_size=16, warmup=10, lr_factor=1.0, seed=3, ema=0.9, clip_grad=1.0, recipe="stable")
    trainer = Trainer(MODEL, cfg, synthetic_set(0), tmp_path, val_set=synthetic_set(1), progress=False)
    trainer.fit()
    raw, avg = load_file(tmp_path / "final_raw.safetensors"), load_file(tmp_path / "final.safetensors")
    assert raw.keys() == avg.keys()
    assert any(not torch.equal(raw[k], avg[k]) for k in raw)  # the average differs from the raw weights
    for k, v in trainer.ema.model.state_dict().items():  # final = the EMA weights, final_raw = the raw ones
        if k in avg:
            torch.testing.assert_close(avg[k], v)
            torch.testing.assert_close(raw[k], trainer.model.state_dict()[k])
    assert torch.load(tmp_path / "last.pt", weights_only=True)["ema"]["updates"] == trainer.scheduler.last_epoch
    resumed = Trainer(MODEL, dataclasses.replace(cfg, epochs=3), synthetic_set(0), tmp_path, val_set=synthetic_set(1),
                      progress=False)
    resumed.resume()
    assert resumed.ema is not None and resumed.ema.updates == trainer.ema.updates


def test_drop_last_gives_static_batches_and_the_loss_is_read_every_k_steps(tmp_path):
    data = synthetic_set(0)  # 96 windows with flips
    shapes = {len(x) for x, _ in data.batches(40, generator=torch.Generator().manual_seed(0), drop_last=True)}
    assert shapes == {40}
    assert sum(len(x) for x, _ in data.batches(40, generator=torch.Generator().manual_seed(0))) == len(data)
    a = Trainer(MODEL, TrainConfig(epochs=1, batch_size=40, seed=3, drop_last=True), data, tmp_path / "a", progress=False)
    assert a.steps_per_epoch == 2
    a.fit()
    assert a.scheduler.last_epoch == 2
    # reading the loss every step or every 7 steps trains the same weights and logs the same mean loss
    runs = []
    for k in (1, 7):
        t = Trainer(MODEL, TrainConfig(epochs=1, batch_size=8, seed=3, sync_every=k), data, tmp_path / f"k{k}", progress=False)
        runs.append((t.train_epoch(), torch.nn.utils.parameters_to_vector(t.model.parameters()).detach()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    with pytest.raises(ValueError, match="fewer than one batch"):
        Trainer(MODEL, TrainConfig(epochs=1, batch_size=1000, drop_last=True), data, tmp_path / "c", progress=False)


def test_mfu_is_model_flops_over_a_gemm_timed_now():
    cfg = LiftFormerConfig(receptive_field=27)
    flops, name = gemm_reference("cpu", seconds=0.02, repeats=1)
    assert flops > 0 and name.startswith("float32 ") and name.endswith("³")
    assert mfu(cfg, 10.0, True, 1e12) == pytest.approx(2 * 3 * cfg.macs_per_window() * 10.0 / 1e12)
    assert mfu(cfg, 10.0, False, 2e9) == pytest.approx(gflops(cfg, 10.0, False) / 2)


def test_device_script_parses_and_its_summary_splits_and_joins_weights(tmp_path):
    assert subprocess.run(["bash", "-n", str(ROOT / "benchmarks/device_run.sh")]).returncode == 0
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import device_summary as ds

    run = tmp_path / "run"
    cfg = TrainConfig(epochs=2, batch_size=16, warmup=10, lr_factor=1.0, seed=3)
    Trainer(MODEL, cfg, synthetic_set(0), run, val_set=synthetic_set(1), progress=False).fit()
    table = {f"by action / {m}": {"Walking": 50.0 + i, "Average": 40.0 + i} for i, m in enumerate(("P1 MPJPE", "P2 P-MPJPE"))}
    (tmp_path / "eval.json").write_text(json.dumps(table))
    (tmp_path / "phases.tsv").write_text("train\t12\nevaluate\t3\n")
    out = tmp_path / "out"
    args = ["summary", "--run", str(run), "--eval", str(tmp_path / "eval.json"), "--out", str(out), "--variant", "gt27",
            "--phases", str(tmp_path / "phases.tsv")]
    assert ds.main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["p1_mm"], summary["p2_mm"], summary["epochs"], summary["recipe"]) == (40.0, 41.0, 2, "paper")
    trained_s = ds.read_log(run / "log.csv")[-1]["train_s"]  # a tiny model's two epochs can take under 0.03 s: 0.000 min
    assert summary["train_minutes"] == pytest.approx(trained_s / 60, abs=5e-4) and trained_s > 0
    assert 0 < summary["mfu"] < 10 and summary["phases_s"] == {"train": 12.0, "evaluate": 3.0}
    assert {"log.csv", "curve.png", "summary.json"} <= {p.name for p in out.iterdir()}
    shards = ds.split_bf16(run / "final.safetensors", tmp_path, max_bytes=2000)  # tiny shards: several files
    assert len(shards) > 2 and all(p.stat().st_size < 2000 + 4096 for p in shards)
    ds.join_shards(shards, tmp_path / "joined.safetensors")
    from liftformer.model.checkpoint import load_weights

    original, joined = load_weights(run / "final.safetensors"), load_weights(tmp_path / "joined.safetensors")
    for a, b in zip(original.parameters(), joined.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-2, atol=1e-3)  # bf16 rounding
    assert ds.training_mfu([{"step": 10, "train_s": 2.0}, {"step": 30, "train_s": 4.0}], 100, 4, 1e3) == (
        pytest.approx(2 * 3 * 100 * 4 * 20 / 2.0 / 1e3), pytest.approx(2 * 3 * 100 * 4 * 30 / 4.0 / 1e3))


def test_cooldown_factor_is_one_then_falls_linearly_to_zero():
    assert [cooldown_factor(p, 0.0) for p in (0.0, 0.9, 1.0)] == [1.0, 1.0, 1.0]
    assert [cooldown_factor(p, 0.5) for p in (0.0, 0.5, 0.75, 1.0, 1.2)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    with pytest.raises(ValueError, match="cooldown must be in"):
        TrainConfig(cooldown=1.5)


def test_cooldown_over_epochs_ends_near_zero_and_leaves_the_start_alone(tmp_path):
    plain = TrainConfig(epochs=4, batch_size=8, warmup=5, lr_factor=1.0)
    cooled = dataclasses.replace(plain, cooldown=0.5)
    runs = [Trainer(MODEL, cfg, synthetic_set(0), tmp_path / str(i), progress=False).fit() for i, cfg in enumerate((plain, cooled))]
    steps = runs[0][-1]["step"]
    assert runs[0][0]["lr"] == runs[1][0]["lr"] and runs[0][1]["lr"] == runs[1][1]["lr"], "the first half is untouched"
    assert runs[1][2]["lr"] == pytest.approx(runs[0][2]["lr"] * 2 * (1 - runs[0][2]["step"] / steps), rel=1e-3)
    assert runs[1][-1]["lr"] == 0.0 < runs[0][-1]["lr"]


def test_cooldown_under_a_time_budget_follows_training_time(tmp_path):
    cfg = TrainConfig(epochs=50, batch_size=4, warmup=10, lr_factor=1.0, max_minutes=1.0, cooldown=0.25)
    trainer = Trainer(MODEL, cfg, synthetic_set(0), tmp_path, progress=False)
    base = trainer._cooldown(0)
    trainer.budget_elapsed = 52.5  # seconds: 87.5% of the minute, half-way through the cool-down
    assert (base, trainer._cooldown(0)) == (1.0, pytest.approx(0.5))
    trainer.budget_elapsed = 60.0
    assert trainer._cooldown(10**6) == 0.0
