from __future__ import annotations

import pytest
import torch

from liftformer import CheckpointError
from liftformer.data.skeleton import H36M_17
from liftformer.data.windows import sliding_windows
from liftformer.inference.lifting.sequence import lift_sequence
from liftformer.model import LiftFormer, LiftFormerConfig, TCNConfig, TemporalConvNet, build_model
from liftformer.model.checkpoint import load_weights, read_config, save_weights
from liftformer.model.registry import config_from_dict, config_to_dict
from liftformer.model.tcn import default_filter_widths


def tiny_tcn(**overrides) -> TemporalConvNet:
    kw = dict(filter_widths=(3, 3), channels=16, dropout=0.0)
    kw.update(overrides)
    return TemporalConvNet(TCNConfig(**kw))


def test_parameter_counts_match_videopose3d():
    # VideoPose3D reports 16.95M parameters for its 243-frame, 1024-channel model (8.56M at 27 frames).
    def millions(widths):
        return round(TemporalConvNet(TCNConfig(filter_widths=widths)).num_parameters() / 1e6, 2)

    assert millions((3, 3, 3, 3, 3)) == 16.95
    assert millions((3, 3, 3)) == 8.56


def test_default_filter_widths():
    assert default_filter_widths(27) == (3, 3, 3)
    assert default_filter_widths(243) == (3, 3, 3, 3, 3)
    with pytest.raises(ValueError, match="not 3"):
        default_filter_widths(25)


@pytest.mark.parametrize("causal", [False, True])
def test_strided_window_equals_dilated_sequence(causal):
    """One N-frame window (strided form) and a long sequence (dilated form) share weights and results."""
    model = tiny_tcn(filter_widths=(3, 3, 3), causal=causal).eval()
    for m in model.modules():  # non-trivial batch-norm statistics
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    seq = torch.randn(1, 40, 17, 2)
    with torch.no_grad():
        dense = model(seq)  # (1, 40 - 27 + 1, 17, 3)
        windows = seq[0].unfold(0, 27, 1).movedim(-1, 1)  # (14, 27, 17, 2)
        strided = model(windows)
    assert dense.shape == (1, 14, 17, 3) and strided.shape == (14, 1, 17, 3)
    torch.testing.assert_close(strided[:, 0], dense[0], rtol=1e-5, atol=1e-5)


def test_causal_output_ignores_nothing_but_the_past():
    model = tiny_tcn(causal=True).eval()
    x = torch.randn(2, 9, 17, 2)
    with torch.no_grad():
        base = model(x)
        for t in range(9):
            y = x.clone()
            y[:, t] += 1.0
            assert not torch.allclose(model(y), base), f"frame {t} of a causal window must reach its output"


def test_centred_output_depends_on_every_window_frame():
    model = tiny_tcn().eval()
    x = torch.randn(1, 9, 17, 2)
    with torch.no_grad():
        base = model(x)
        x[:, 0] += 1.0
        assert not torch.allclose(model(x), base)


def test_rejects_short_or_misshaped_input():
    model = tiny_tcn()
    with pytest.raises(ValueError, match=r"≥9, 17, 2"):
        model(torch.randn(1, 8, 17, 2))
    with pytest.raises(ValueError, match="TCN expects"):
        model(torch.randn(1, 9, 16, 2))


@pytest.mark.parametrize("causal", [False, True])
def test_lift_sequence_matches_one_window_per_frame(causal):
    model = tiny_tcn(causal=causal).eval()
    kp = torch.randn(50, 17, 2) * 0.3
    with torch.no_grad():
        expected = model(sliding_windows(kp, 9, causal))[:, 0]
    for batch in (1, 4, 256):  # chunk boundaries must not change anything
        out = lift_sequence(model, kp.numpy(), batch_size=batch)
        torch.testing.assert_close(torch.from_numpy(out), expected, rtol=1e-5, atol=1e-5)
    flipped = lift_sequence(model, kp.numpy(), flip=(H36M_17, H36M_17))
    assert flipped.shape == (50, 17, 3) and not torch.allclose(torch.from_numpy(flipped), expected)


def test_checkpoint_round_trip_and_arch_mismatch(tmp_path):
    model = tiny_tcn(causal=True).eval()
    path = tmp_path / "tcn.safetensors"
    save_weights(model, path)
    assert read_config(path) == model.config
    loaded = load_weights(path).eval()
    assert isinstance(loaded, TemporalConvNet)
    x = torch.randn(3, 9, 17, 2)
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    lf = LiftFormer(LiftFormerConfig(receptive_field=9, d_model=16, heads=2, blocks=1, ffn=16)).config
    with pytest.raises(CheckpointError, match=r"tcn\.safetensors.*arch: tcn != liftformer"):
        load_weights(path, expected=lf)


def test_config_dict_round_trip_and_legacy_dicts():
    cfg = TCNConfig(filter_widths=(3, 3, 3, 3), channels=64, causal=True)
    assert config_from_dict(config_to_dict(cfg)) == cfg
    legacy = LiftFormer(LiftFormerConfig(receptive_field=9, d_model=16, heads=2, blocks=1, ffn=16)).config.to_dict()  # no "arch"
    assert config_from_dict(legacy).d_model == 16
    with pytest.raises(ValueError, match="unknown model arch"):
        config_from_dict({"arch": "mlp"})
    assert isinstance(build_model(cfg), TemporalConvNet)


def test_flops_strided_window_and_dense_frame():
    cfg = TCNConfig(filter_widths=(3, 3, 3, 3, 3))
    assert cfg.macs_per_frame() == pytest.approx(17e6, rel=0.01)  # the issue's ≈17 MMAC per frame at n=243
    # one strided window computes 81+27+9+3+1 steps, more than the one step per layer of the dense form
    assert cfg.macs_per_window() > cfg.macs_per_frame()


def test_onnx_export_and_streaming(tmp_path):
    from liftformer.inference.lifting.streaming import StreamingLifter
    from liftformer.inference.writers.export import export_onnx, onnx_max_abs_difference

    model = tiny_tcn(causal=True).eval()
    path = tmp_path / "tcn.onnx"
    export_onnx(model, path)
    assert onnx_max_abs_difference(model, path, batch=3) < 1e-4
    kp = torch.randn(20, 17, 2) * 0.3
    stream = StreamingLifter(model)
    streamed = torch.stack([torch.from_numpy(stream.push(f)) for f in kp])
    torch.testing.assert_close(streamed, torch.from_numpy(lift_sequence(model, kp.numpy())), rtol=1e-5, atol=1e-5)


def test_config_holds_only_its_own_fields_and_its_dict_is_unchanged():
    cfg = TCNConfig()
    assert not hasattr(cfg, "d_model") and "head" not in cfg.to_dict()
    assert (cfg.head, cfg.output_frames, cfg.width) == ("centre", 1, 1024)  # the shared interface
    assert list(config_to_dict(cfg)) == ["arch", "num_joints_in", "num_joints_out", "filter_widths", "channels", "dropout", "causal"]


def test_each_family_spec_is_registered_with_its_recipe():
    from liftformer.model import ARCHS, LiftFormerConfig

    assert list(ARCHS) == ["liftformer", "tcn"]
    for name, spec in ARCHS.items():
        assert spec.name == name and isinstance(build_model(spec.config()), spec.model)
    assert (ARCHS["tcn"].schedule, ARCHS["tcn"].batch_size(TCNConfig())) == ("exponential", 1024)
    lf = ARCHS["liftformer"]
    assert lf.schedule == "noam"
    assert [lf.batch_size(LiftFormerConfig(receptive_field=n)) for n in (27, 81, 243)] == [5120, 3072, 1536]


@pytest.mark.parametrize("flags,message", [
    (["--arch", "tcn", "--d-model", "64"], "--d-model 64 applies to --arch liftformer only"),
    (["--arch", "tcn", "--head", "sequence", "--share-attention"], "--share-attention and --head sequence apply to --arch liftformer only"),
    (["--channels", "64"], "--channels 64 applies to --arch tcn only"),
])
def test_flags_of_another_family_are_rejected(flags, message):
    import argparse

    from liftformer.cli.model_args import add_model_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    with pytest.raises(ValueError, match=message):
        config_from_args(parser.parse_args(flags))
    assert config_from_args(parser.parse_args(["--arch", "tcn", "-n", "9", "--channels", "8"])) == TCNConfig(
        filter_widths=(3, 3), channels=8
    )


def test_flags_left_out_take_the_init_files_config():
    from liftformer.cli.main import build_parser, given_flags
    from liftformer.cli.model_args import config_from_args
    from liftformer.model import LiftFormerConfig

    def config(flags: list[str], base):
        argv = ["info", *flags]
        args = build_parser().parse_args(argv)
        args.given = given_flags(argv)
        return config_from_args(args, base)

    tcn = TCNConfig(filter_widths=(3, 3), channels=8, dropout=0.1)
    assert config([], tcn) == tcn  # --arch too comes from the file
    assert config(["--dropout", "0.2"], tcn) == TCNConfig(filter_widths=(3, 3), channels=8, dropout=0.2)
    with pytest.raises(ValueError, match="-n 27: the tcn weights fix the window at 9: drop -n"):
        config(["-n", "27"], tcn)
    small = LiftFormerConfig(receptive_field=9, d_model=16, heads=2, blocks=1, ffn=32, causal=True)
    assert config(["--d-model", "512", "--no-causal"], small) == LiftFormerConfig(receptive_field=9, d_model=512, heads=2, blocks=1, ffn=32)
    assert config(["--arch", "liftformer"], tcn) == LiftFormerConfig()  # another arch: the caller compares and names it
