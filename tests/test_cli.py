from __future__ import annotations

import subprocess
import sys

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
    assert err.count("\n") == 1 and "receptive_field must be a positive odd number" in err


def test_console_script_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "liftformer.cli.main", "info", "--d-model", "128"],
        capture_output=True, text=True, check=True,
    )
    assert "(3.57M)" in result.stdout
