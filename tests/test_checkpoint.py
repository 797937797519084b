from __future__ import annotations

import os

import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import CheckpointError, LiftFormer, LiftFormerConfig
from liftformer.fileio import atomic_write
from liftformer.model.checkpoint import load_weights, read_config, save_weights


@pytest.mark.parametrize("share", [False, True])
def test_round_trip_preserves_weights_and_config(tmp_path, share):
    model = LiftFormer(LiftFormerConfig(num_joints_in=16, **tiny_model_kwargs(share_attention=share, causal=True))).eval()
    path = tmp_path / "m.safetensors"
    save_weights(model, path)
    loaded = load_weights(path).eval()
    assert loaded.config == model.config
    if share:
        assert loaded.blocks[0].attention is loaded.blocks[1].attention
    x = torch.randn(3, 9, 16, 2)
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_config_mismatch_names_file_and_field(tmp_path):
    path = tmp_path / "m.safetensors"
    save_weights(LiftFormer(LiftFormerConfig(**tiny_model_kwargs())), path)
    expected = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=27))).config
    with pytest.raises(CheckpointError, match=r"m\.safetensors.*another config.*receptive_field: 9 != 27"):
        load_weights(path, expected=expected)


def test_missing_and_foreign_files(tmp_path):
    with pytest.raises(CheckpointError, match="no such weights file"):
        load_weights(tmp_path / "absent.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file at all")
    with pytest.raises(CheckpointError, match="junk.safetensors"):
        read_config(junk)
    from safetensors.torch import save_file

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign))
    with pytest.raises(CheckpointError, match="not a liftformer weights file"):
        load_weights(foreign)


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    path = tmp_path / "ckpt.bin"
    path.write_bytes(b"old")

    def failing(tmp):
        with open(tmp, "wb") as f:
            f.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, failing)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["ckpt.bin"]


def test_sequence_head_round_trip_and_headless_old_header(tmp_path):
    import json

    from safetensors.torch import save_model

    from liftformer.model.checkpoint import CONFIG_KEY

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(causal=True, head="sequence"))).eval()
    path = tmp_path / "seq.safetensors"
    save_weights(model, path)
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        assert json.loads(f.metadata()[CONFIG_KEY])["head"] == "sequence"
    assert read_config(path) == model.config
    loaded = load_weights(path).eval()
    x = torch.randn(2, 9, 17, 2)
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    old = tmp_path / "old.safetensors"  # written before the head field existed
    centre = LiftFormer(LiftFormerConfig(**tiny_model_kwargs()))
    header = {k: v for k, v in centre.config.to_dict().items() if k != "head"}
    save_model(centre, str(old), metadata={CONFIG_KEY: json.dumps(header)})
    assert load_weights(old).config.head == "centre"
