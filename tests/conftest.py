"""Shared fixtures: everything is synthetic and built here; no dataset is read."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    torch.manual_seed(0)


def tiny_model_kwargs(**overrides) -> dict:
    """A LiftFormer small enough to train in seconds on 2 CPU cores."""
    kw = dict(receptive_field=9, d_model=32, heads=4, blocks=2, ffn=64, dropout=0.0)
    kw.update(overrides)
    return kw


def exit_code(argv: list[str]) -> int:
    """``liftformer argv``'s exit status, whether the CLI returned it or argparse raised it (range errors)."""
    from liftformer.cli.main import main

    try:
        return main(argv)
    except SystemExit as e:
        return int(e.code or 0)


def one_line_error(capsys, *needles: str, no_stdout: bool = False) -> str:
    """The captured stderr, asserted to be one line holding every needle (and, on request, nothing on stdout)."""
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert not no_stdout or captured.out == "", captured.out
    for needle in needles:
        assert needle in captured.err, captured.err
    return captured.err


def two_people_json(tmp_path):
    """A COCO-style JSON file with two crossing people per frame (H36M-17 layout) and a tiny checkpoint."""
    import json

    import numpy as np

    from liftformer import LiftFormer, LiftFormerConfig
    from liftformer.data.synthetic import crossing_walkers
    from liftformer.model.checkpoint import save_weights

    walkers = crossing_walkers(40, seed=5)
    frames = [[{"keypoints": np.concatenate([walkers[p, t], np.full((17, 1), 0.9)], 1).round(2).reshape(-1).tolist()}
               for p in (1, 0)] for t in range(40)]
    path = tmp_path / "two.json"
    path.write_text(json.dumps({"layout": "h36m", "width": 1000, "height": 1000, "fps": 50, "frames": frames}))
    ckpt = tmp_path / "tiny.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9))), ckpt, with_trajectory())
    return path, ckpt


def with_trajectory() -> dict[str, str]:
    """Weights-file metadata that gives a test model a (neutral) trajectory calibration, as the shipped ones have."""
    from liftformer.inference.lifting.trajectory import TRAJECTORY_KEY, Calibration

    return {TRAJECTORY_KEY: Calibration().to_json()}


def hide_mediapipe(monkeypatch) -> None:
    """Make every ``import mediapipe…`` raise ImportError for this test, as where the [video] extra is absent."""
    import sys

    for name in [m for m in sys.modules if m == "mediapipe" or m.startswith("mediapipe.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "mediapipe", None)


def two_photos() -> np.ndarray:
    """A 600x1400 RGB canvas with matplotlib's sample photo (one person, head and shoulders) at the left and a
    mirrored copy at the right (their noses about x 256 and 1150)."""
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        photo = np.asarray(Image.open(f).convert("RGB"))  # 512x600, one person
    canvas = np.full((600, 1400, 3), 96, np.uint8)
    canvas[:, :512] = photo
    canvas[:, 900:1400] = photo[:, 6:506][:, ::-1]  # a mirrored copy on the right
    return canvas
