"""Every user error of train/evaluate/export/prepare/bench: exit 2, one line naming the flag or file, before work."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import one_line_error
from liftformer.cli.main import main


@pytest.fixture(scope="module")
def h36m(tmp_path_factory) -> dict:
    """Synthetic Human3.6M-layout 3D + 2D files and a tiny trained checkpoint."""
    from datasets_fixtures import h36m_3d

    tmp = tmp_path_factory.mktemp("h36m")
    path_3d = h36m_3d(tmp / "data_3d_h36m.npz", frames=(16, 1))  # S9 "Eating 1" has a single frame
    path_2d = tmp / "data_2d_h36m_gt.npz"
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_2d)]) == 0
    run = tmp / "run"
    assert main(["train", "--data-3d", str(path_3d), "--data-2d", str(path_2d), "--train-subjects", "S1",
                 "--val-subjects", "S9", "-n", "3", "--d-model", "8", "--heads", "2", "--blocks", "1", "--ffn", "8",
                 "--epochs", "1", "--batch-size", "16", "--out", str(run)]) == 0
    return {"3d": str(path_3d), "2d": str(path_2d), "ckpt": str(run / "final.safetensors"), "run": run, "tmp": tmp}


def train_args(h36m: dict, out: str, *extra: str) -> list[str]:
    return ["train", "--data-3d", h36m["3d"], "--data-2d", h36m["2d"], "-n", "3", "--d-model", "8", "--heads", "2",
            "--blocks", "1", "--ffn", "8", "--out", out, *extra]


@pytest.mark.parametrize("flag, value, needle", [
    ("--epochs", "0", "argument --epochs: expected a positive integer, got '0'"),
    ("--batch-size", "0", "argument --batch-size: expected a positive integer"),
    ("--threads", "0", "argument --threads: expected a positive integer"),
    ("--batch-scale", "-1", "argument --batch-scale: expected a positive number"),
    ("--outliers-2d", "1.5", "argument --outliers-2d: expected a number in [0, 1]"),
    ("--lr-decay", "nan", "argument --lr-decay"),
    ("--subset", "0", "argument --subset: expected a fraction in (0, 1]"),
    ("--dropout", "1", "argument --dropout"),
])
def test_train_rejects_bad_values_in_one_line(h36m, tmp_path, capsys, flag, value, needle):
    with pytest.raises(SystemExit) as exit_:
        main(train_args(h36m, str(tmp_path / "run"), flag, value))
    assert exit_.value.code == 2
    one_line_error(capsys, needle)
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_on_a_cpu_machine_is_one_line_before_any_work(tmp_path, capsys):
    missing = str(tmp_path / "absent.npz")  # the device is checked before the data is read
    assert main(["train", "--data-2d", missing, "--device", "cuda", "--out", str(tmp_path / "r")]) == 2
    one_line_error(capsys, "--device cuda:", "use --device cpu")
    assert main(["evaluate", "--checkpoint", missing, "--data-2d", missing, "--device", "cuda"]) == 2
    err = one_line_error(capsys, "--device cuda:")
    assert "config" not in err
    assert main(["bench", "--device", "cuda:0"]) == 2
    one_line_error(capsys, "--device cuda:0")
    assert main(["train", "--data-2d", missing, "--device", "tpu", "--out", str(tmp_path / "r")]) == 2
    one_line_error(capsys, "--device tpu")


def test_train_out_must_be_a_writable_directory(h36m, tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(train_args(h36m, str(a_file), "--epochs", "1")) == 2
    one_line_error(capsys, "--out", "is a file")
    assert main(train_args(h36m, str(a_file / "run"), "--epochs", "1")) == 2
    one_line_error(capsys, "--out: cannot write to directory")
    assert a_file.read_text() == "x"
    assert main(train_args(h36m, str(tmp_path / "new"), "--epochs", "1", "--resume")) == 2
    one_line_error(capsys, "--resume", "holds no last.pt")


def test_train_init_is_checked_before_the_data(h36m, tmp_path, capsys):
    missing = str(tmp_path / "absent.npz")  # the data is never read: the --init errors come first
    def args(*extra: str) -> list[str]:
        return ["train", "--data-3d", missing, "--data-2d", missing, "--out", str(tmp_path / "run"), *extra]
    small = ["--d-model", "8", "--heads", "2", "--blocks", "1", "--ffn", "8"]
    assert main(args(*small, "--init", h36m["ckpt"], "--resume")) == 2
    one_line_error(capsys, "--init", "drop --init or --resume")
    assert main(args("--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "8", "--init", h36m["ckpt"])) == 2
    one_line_error(capsys, "--init", "d_model: 8 != 16", "drop them")
    assert main(args(*small, "--init", missing)) == 2
    one_line_error(capsys, "absent.npz")
    seed = tmp_path / "seed"  # weights alone in a directory that then becomes the run's --out
    seed.mkdir()
    (seed / "final.safetensors").write_bytes(open(h36m["ckpt"], "rb").read())
    assert main(args(*small, "-n", "9", "--causal", "--init", str(seed / "final.safetensors"), "--out", str(seed))) == 2
    one_line_error(capsys, "--init", "would overwrite it", "choose another --out")
    assert not (tmp_path / "run").exists()


def test_train_init_takes_the_model_flags_left_out_from_the_file(h36m, tmp_path):
    data = ["--data-3d", h36m["3d"], "--data-2d", h36m["2d"], "--train-subjects", "S1", "--val-subjects", "S9",
            "--epochs", "1", "--batch-size", "16"]
    base = json.loads((h36m["run"] / "config.json").read_text())["model"]
    runs = {"same": [], "longer": ["-n", "5", "--causal", "--dropout", "0"]}
    for name, flags in runs.items():
        assert main(["train", *data, *flags, "--init", h36m["ckpt"], "--out", str(tmp_path / name)]) == 0
    model = {name: json.loads((tmp_path / name / "config.json").read_text())["model"] for name in runs}
    assert model["same"] == base  # d_model 8, n 3, ...: not the flags' defaults (512, 27)
    assert model["longer"] == {**base, "receptive_field": 5, "causal": True, "dropout": 0.0}
    assert main(["train", *data, "--no-causal", "--init", str(tmp_path / "longer" / "final.safetensors"),
                 "--out", str(tmp_path / "back")]) == 0
    assert json.loads((tmp_path / "back" / "config.json").read_text())["model"] == {**base, "receptive_field": 5, "dropout": 0.0}


def test_evaluate_checks_its_output_before_evaluating(h36m, tmp_path, capsys, monkeypatch):
    import liftformer.cli.evaluate as evaluate_cli

    def never(*args, **kwargs):
        raise AssertionError("evaluation started before the output was checked")

    monkeypatch.setattr(evaluate_cli, "evaluate_sequences", never)
    data = ["--checkpoint", h36m["ckpt"], "--data-3d", h36m["3d"], "--data-2d", h36m["2d"], "--subjects", "S9"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["evaluate", *data, "--out", str(a_file / "table.json")]) == 2
    one_line_error(capsys, "--out: cannot write to directory")
    before = open(h36m["2d"], "rb").read()
    assert main(["evaluate", *data, "--out", h36m["2d"]]) == 2
    one_line_error(capsys, "is the --data-2d")
    assert main(["evaluate", *data, "--out", str(tmp_path / "table.txt")]) == 2
    one_line_error(capsys, "--out", ".json or .csv")
    assert open(h36m["2d"], "rb").read() == before


def test_one_frame_sequence_gives_valid_json_and_no_nan(h36m, tmp_path, capsys):
    out = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", h36m["ckpt"], "--data-3d", h36m["3d"], "--data-2d", h36m["2d"],
                 "--subjects", "S9", "--out", str(out)]) == 0

    def no_constants(name: str):
        raise AssertionError(f"{name} in the evaluation JSON")

    table = json.loads(out.read_text(), parse_constant=no_constants)
    assert table["by action / P3 MPJVE"]["Eating"] is None  # one frame: no velocity
    assert math.isfinite(table["by action / P3 MPJVE"]["Average"])
    assert all(math.isfinite(v) for v in table["by action / P1 MPJPE"].values())
    assert main(["evaluate", "--checkpoint", h36m["ckpt"], "--data-3d", h36m["3d"], "--data-2d", h36m["2d"],
                 "--subjects", "S9", "--out", str(tmp_path / "eval.csv")]) == 0
    assert "nan" not in (tmp_path / "eval.csv").read_text().lower()


def test_export_without_onnx_is_one_line(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    assert main(["export", "--onnx", str(tmp_path / "m.onnx")]) == 2
    one_line_error(capsys, "export needs onnx", "pip install 'liftformer[export]'")
    assert not (tmp_path / "m.onnx").exists()


def test_export_and_prepare_never_overwrite_their_input(h36m, tmp_path, capsys):
    import shutil

    ckpt = tmp_path / "model.safetensors"
    shutil.copy(h36m["ckpt"], ckpt)
    before = ckpt.read_bytes()
    assert main(["export", "--checkpoint", str(ckpt), "--onnx", str(ckpt)]) == 2
    one_line_error(capsys, "is the --checkpoint")
    assert ckpt.read_bytes() == before
    path_3d = tmp_path / "data_3d_h36m.npz"
    shutil.copy(h36m["3d"], path_3d)
    before = path_3d.read_bytes()
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_3d)]) == 2
    one_line_error(capsys, "is the --from-3d")
    assert path_3d.read_bytes() == before


def test_custom_symmetry_out_of_range_is_one_line(tmp_path, capsys):
    from datasets_fixtures import save_npz

    kp = np.random.default_rng(0).uniform(0, 100, size=(12, 5, 2)).astype(np.float32)
    meta = {"num_joints": 5, "keypoints_symmetry": [[1, 2], [3, 7]], "res_w": 100, "res_h": 100}
    path = save_npz(tmp_path / "data_2d_custom_x.npz", positions_2d={"v": {"a": [kp]}}, metadata=meta)
    pos = np.zeros((12, 5, 3), np.float32)
    path_3d = save_npz(tmp_path / "data_3d_custom_x.npz", positions_3d={"v": {"a": pos}})
    assert main(["train", "--dataset", "custom", "--data-2d", str(path), "--data-3d", str(path_3d),
                 "--train-subjects", "v", "--val-subjects", "v", "--out", str(tmp_path / "run")]) == 2
    one_line_error(capsys, "data_2d_custom_x.npz: metadata keypoints_symmetry: indices [7] are outside 0..4")


def test_runtime_flags_are_declared_once():
    """--device/--threads/--bf16/--batch-size/--checkpoint live in cli/options.py; every command that has one shares its help."""
    import re
    from pathlib import Path

    import liftformer.cli as cli
    from liftformer.cli.main import build_parser

    flags = ("--device", "--threads", "--bf16", "--batch-size", "--checkpoint")
    for path in Path(cli.__file__).parent.glob("*.py"):
        if path.name != "options.py":
            declared = re.findall(r"add_argument\(\s*\"(--[a-z0-9-]+)\"", path.read_text())
            assert not set(declared) & set(flags), (path.name, set(declared) & set(flags))
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    seen = {flag: {a.help for p in sub.values() for a in p._actions if flag in a.option_strings} for flag in flags}
    assert len(seen["--device"]) == 1 and len(seen["--bf16"]) == 1, seen
    assert all(seen.values()), seen


def test_evaluate_takes_threads(h36m, capsys):
    assert main(["evaluate", "--data-3d", h36m["3d"], "--data-2d", h36m["2d"], "--checkpoint", h36m["ckpt"],
                 "--subjects", "S9", "--threads", "1", "--no-flip"]) == 0
    assert "Average" in capsys.readouterr().out
    assert torch.get_num_threads() >= 1  # restored afterwards


def test_a_closed_stdout_ends_a_stream_quietly_and_saves(tmp_path):
    """`liftformer lift … --stream | head -1`: no traceback, the npz is written, exit 141 as for SIGPIPE."""
    import subprocess
    import sys
    from importlib import resources

    source = str(resources.files("liftformer.assets").joinpath("demo_keypoints.json"))
    out = tmp_path / "s.npz"
    cmd = f"{sys.executable} -m liftformer.cli.main lift {source} --stream --out {out} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1 and '"frame": 0' in done.stdout
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode == 141 and out.exists(), (done.returncode, done.stderr)


def test_layout_guess_ignores_frames_without_a_person():
    import warnings

    from liftformer.data.layouts import guess_layout

    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 100, (6, 17, 2))
    pts[:, 1] = pts[:, 2] + 50.0  # H36M: right hip and right knee a thigh apart
    pts[[0, 3]] = np.nan  # frames without a person
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert guess_layout(pts) == "h36m"
    with pytest.raises(ValueError, match="--layout"):
        guess_layout(np.full((4, 17, 2), np.nan))


def test_a_refused_train_leaves_no_out_folder(h36m, tmp_path, capsys):
    """Inputs are checked (and read) before the run folder is made: a refused run leaves nothing that looks like one."""
    bad_2d = tmp_path / "bad_2d.npz"
    bad_2d.write_bytes(b"not an npz")
    assert main(["train", "--data-3d", h36m["3d"], "--data-2d", str(bad_2d), "--out", str(tmp_path / "a" / "run")]) == 2
    one_line_error(capsys, "bad_2d.npz")
    nan = tmp_path / "nan.safetensors"
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    tensors = load_file(h36m["ckpt"])
    with safe_open(h36m["ckpt"], "np") as f:
        metadata = f.metadata()
    save_file({k: np.full_like(v, np.nan) for k, v in tensors.items()}, str(nan), metadata)
    assert main(train_args(h36m, str(tmp_path / "b"), "--train-subjects", "S1", "--val-subjects", "S9", "--epochs", "1",
                           "--init", str(nan))) == 2
    one_line_error(capsys, "nan.safetensors")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("argv, needle", [
    (["-n", "26"], "-n 26: a liftformer window is a positive odd number of frames"),
    (["--receptive-field", "0"], "-n 0: a liftformer window"),
    (["--arch", "tcn", "-n", "26"], "-n 26: a tcn window is 3^k frames"),
])
def test_a_bad_window_names_the_flag_before_the_data(tmp_path, capsys, argv, needle):
    missing = str(tmp_path / "absent.npz")  # the model flags are checked before the data is read
    assert main(["train", *argv, "--data-2d", missing, "--out", str(tmp_path / "run")]) == 2
    err = one_line_error(capsys, needle)
    assert "receptive_field" not in err
    assert main(["info", *argv]) == 2
    one_line_error(capsys, needle)


def test_prepare_writes_into_the_current_directory_never_beside_its_input(h36m, tmp_path, capsys, monkeypatch):
    import shutil

    data, work = tmp_path / "data", tmp_path / "work"
    data.mkdir()
    work.mkdir()
    path_3d = data / "data_3d_h36m.npz"
    shutil.copy(h36m["3d"], path_3d)
    monkeypatch.chdir(work)
    assert main(["prepare", "h36m", "--from-3d", str(path_3d)]) == 0
    assert capsys.readouterr().out.startswith("wrote data_2d_h36m_gt.npz: ")
    assert (work / "data_2d_h36m_gt.npz").stat().st_size == Path(h36m["2d"]).stat().st_size  # zip times differ
    assert [p.name for p in data.iterdir()] == ["data_3d_h36m.npz"]


def test_ctrl_c_before_the_first_epoch_leaves_no_run_folder(h36m, tmp_path, capsys, monkeypatch):
    from liftformer.training.trainer import Trainer

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_epoch", interrupted)
    out = tmp_path / "run"
    assert main(train_args(h36m, str(out), "--train-subjects", "S1", "--val-subjects", "S9", "--epochs", "1")) == 130
    assert "interrupted before the first epoch ended: nothing to keep" in capsys.readouterr().err and not out.exists()


def test_ctrl_c_while_the_command_line_loads_is_one_line(monkeypatch, capsys):
    import sys
    import types

    from liftformer.cli import entry

    class Loading(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt  # as if pressed while torch was being imported

    monkeypatch.setitem(sys.modules, "liftformer.cli.main", Loading("liftformer.cli.main"))
    assert entry.main() == 130
    captured = capsys.readouterr()
    assert captured.err == "liftformer: interrupted\n" and captured.out == ""


def test_import_liftformer_does_not_load_torch():
    import subprocess
    import sys

    code = "import sys, liftformer; assert 'torch' not in sys.modules; liftformer.LiftFormerConfig; assert 'torch' in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_misspelled_flag_is_answered_with_the_nearest_one(capsys):
    from liftformer.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["lift", "clip.mp4", "--persn", "all"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "unrecognized arguments: --persn all (did you mean --person?)" in err and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["lift", "clip.mp4", "--zzzz"])
    assert "did you mean" not in capsys.readouterr().err
