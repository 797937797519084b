from __future__ import annotations

import subprocess
import sys

import pytest

from liftformer.cli.main import main


def test_info_prints_paper_parameter_count(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "parameters: 18,958,387 (18.96M)" in out


def test_info_flags(capsys):
    args = ["info", "--d-model", "256", "--blocks", "2", "--share-attention", "--receptive-field", "81"]
    assert main(args + ["--joints-in", "16", "--joints-out", "17", "--heads", "8", "--ffn", "2048"]) == 0
    out = capsys.readouterr().out
    assert "receptive_field=81" in out and "joints 16->17" in out and "share_attention=True" in out
    assert "(2.39M)" in out


def test_invalid_flags_give_one_line_error(capsys):
    assert main(["info", "--receptive-field", "26"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-n 26: a liftformer window is a positive odd number" in err


def test_console_script_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "liftformer.cli.main", "info", "--d-model", "128"],
        capture_output=True, text=True, check=True,
    )
    assert "(3.57M)" in result.stdout


def test_prepare_train_evaluate_end_to_end(tmp_path, capsys):
    """The researcher's path on synthetic VideoPose3D files: prepare → train → resume → evaluate."""
    import json

    from datasets_fixtures import h36m_3d

    path_3d = h36m_3d(tmp_path / "data_3d_h36m.npz", joints=32, subjects=("S1", "S9"), frames=(40, 20))
    path_2d = tmp_path / "data_2d_h36m_gt.npz"
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_2d)]) == 0
    model = ["-n", "5", "--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "32"]
    data = ["--data-3d", str(path_3d), "--data-2d", str(path_2d), "--train-subjects", "S1", "--val-subjects", "S9"]
    run = tmp_path / "run"
    common = ["train", *data, *model, "--batch-size", "32", "--warmup", "10", "--out", str(run)]
    assert main([*common, "--epochs", "1"]) == 0
    assert main([*common, "--epochs", "1"]) == 2  # refuses to overwrite a run
    assert "already holds a run" in capsys.readouterr().err
    assert main([*common, "--epochs", "2", "--resume"]) == 0
    assert "resumed at epoch 1" in capsys.readouterr().out
    out_json = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", str(run / "best.safetensors"), "--data-3d", str(path_3d),
                 "--data-2d", str(path_2d), "--subjects", "S9", "--by-subject", "--out", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "P1 MPJPE" in printed and "Walk" in printed and "flip TTA on" in printed
    assert "\nS9\n" in printed  # the per-subject table
    table = json.loads(out_json.read_text())
    p1 = table["by action / P1 MPJPE"]
    assert set(p1) == {"Walking", "Eating", "Average"} and all(0 < v < 2000 for v in p1.values())


def test_cli_data_errors_are_one_line(tmp_path, capsys):
    assert main(["evaluate", "--checkpoint", str(tmp_path / "none.safetensors"), "--data-2d", "x.npz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "none.safetensors: no such weights file" in err
    assert main(["prepare", "h36m", "--from-3d", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "o.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.npz: no such file" in err
    assert not (tmp_path / "o.npz").exists()


def test_info_sequence_head(capsys):
    assert main(["info", "--head", "sequence", "-n", "27"]) == 0
    out = capsys.readouterr().out
    assert "head=sequence" in out and "parameters: 18,958,387 (18.96M)" in out
    assert "MMAC per output frame" in out and "per window of 27 frames, stride 27" in out
    with pytest.raises(SystemExit):  # argparse rejects an unknown head
        main(["info", "--head", "frames"])


def test_train_and_evaluate_sequence_head(tmp_path, capsys):
    import json

    from datasets_fixtures import h36m_3d
    from liftformer.model.checkpoint import read_config

    path_3d = h36m_3d(tmp_path / "data_3d_h36m.npz", frames=(24, 12))
    path_2d = tmp_path / "data_2d_h36m_gt.npz"
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_2d)]) == 0
    data = ["--data-3d", str(path_3d), "--data-2d", str(path_2d)]
    model = ["-n", "5", "--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "32", "--causal", "--head", "sequence"]
    run = tmp_path / "run"
    assert main(["train", *data, "--train-subjects", "S1", "--val-subjects", "S9", *model, "--epochs", "1",
                 "--batch-size", "64", "--out", str(run)]) == 0
    assert "head=sequence" in capsys.readouterr().out
    cfg = read_config(run / "final.safetensors")
    assert (cfg.head, cfg.causal) == ("sequence", True)
    out_json = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", str(run / "final.safetensors"), *data, "--subjects", "S9", "--out", str(out_json)]) == 0
    p1 = json.loads(out_json.read_text())["by action / P1 MPJPE"]
    assert all(0 < v < 2000 for v in p1.values())
    assert not any("MRPE" in key for key in json.loads(out_json.read_text()))  # no calibration: no trajectory table
    from liftformer.inference.lifting.trajectory import Calibration, write_calibration

    calibrated = tmp_path / "calibrated.safetensors"
    write_calibration(run / "final.safetensors", calibrated, Calibration())
    assert main(["evaluate", "--checkpoint", str(calibrated), *data, "--subjects", "S9", "--out", str(out_json)]) == 0
    tables = json.loads(out_json.read_text())
    assert "trajectory" in capsys.readouterr().out
    keys = [k for k in tables if "trajectory" in k]
    assert {k.rsplit(" / ", 1)[1] for k in keys} == {"MRPE", "MRPE x", "MRPE y", "MRPE z", "depth error %", "absolute MPJPE",
                                                    "MRPE, true stature", "absolute MPJPE, true stature"}
    mrpe = tables[next(k for k in keys if k.endswith(" / MRPE"))]
    assert all(0 < v < 1e5 for v in mrpe.values())


def test_info_tcn(capsys):
    assert main(["info", "--arch", "tcn", "-n", "243"]) == 0
    out = capsys.readouterr().out
    assert "TCN channels=1024 filter_widths=3,3,3,3,3" in out and "(16.95M)" in out
    assert main(["info", "--arch", "tcn", "-n", "25"]) != 0  # not a power of 3: one-line error
    assert "-n 25: a tcn window is 3^k frames" in capsys.readouterr().err
    assert main(["info", "--arch", "tcn", "--head", "sequence"]) != 0
    assert "liftformer only" in capsys.readouterr().err


def test_train_tcn_under_a_time_budget_and_evaluate(tmp_path, capsys):
    import csv
    import json

    from datasets_fixtures import h36m_3d
    from liftformer.model.checkpoint import read_config

    path_3d = h36m_3d(tmp_path / "data_3d_h36m.npz", frames=(24, 12))
    path_2d = tmp_path / "data_2d_h36m_gt.npz"
    assert main(["prepare", "h36m", "--from-3d", str(path_3d), "--out", str(path_2d)]) == 0
    data = ["--data-3d", str(path_3d), "--data-2d", str(path_2d)]
    run = tmp_path / "run"
    assert main(["train", *data, "--train-subjects", "S1", "--val-subjects", "S9", "--arch", "tcn", "-n", "9",
                 "--channels", "16", "--epochs", "100", "--max-minutes", "0.002", "--batch-size", "8", "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "exponential schedule" in out and "time budget reached" in out
    rows = list(csv.DictReader(open(run / "log.csv")))
    assert len(rows) < 100 and float(rows[-1]["train_s"]) >= 0.12
    cfg = read_config(run / "final.safetensors")
    assert (cfg.arch, cfg.receptive_field, cfg.channels) == ("tcn", 9, 16)
    out_json = tmp_path / "eval.json"
    assert main(["evaluate", "--checkpoint", str(run / "final.safetensors"), *data, "--subjects", "S9", "--out", str(out_json)]) == 0
    p1 = json.loads(out_json.read_text())["by action / P1 MPJPE"]
    assert all(0 < v < 2000 for v in p1.values())


@pytest.mark.parametrize("arch", [["--arch", "tcn", "--channels", "8"],
                                  ["--d-model", "16", "--heads", "2", "--blocks", "1", "--ffn", "16"]])
def test_bench_reports_window_and_sequence_rates(capsys, arch):
    assert main(["bench", *arch, "-n", "9", "--repeats", "1", "--batch-size", "4", "--sequence-frames", "40", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "train step (fwd+bwd+adam)" in out and "whole-sequence inference:" in out and "frames/s (40 frames" in out
