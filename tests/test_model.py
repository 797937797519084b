from __future__ import annotations

import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer, LiftFormerConfig

# (constructor kwargs, paper's parameter count) for J_in = J_out = 17 — LiftFormer paper, Tables 6-7.
PAPER_PARAMETER_COUNTS = [
    (dict(), 18.96e6),
    (dict(share_attention=True), 13.7e6),
    (dict(share_attention=True, blocks=4), 9.5e6),
    (dict(share_attention=True, d_model=256, blocks=2), 2.4e6),
    (dict(d_model=128), 3.57e6),
    (dict(d_model=256), 7.91e6),
    (dict(d_model=768), 33.15e6),
    (dict(blocks=4), 12.65e6),
    (dict(blocks=8), 25.26e6),
]


@pytest.mark.parametrize("kwargs,expected", PAPER_PARAMETER_COUNTS, ids=lambda v: str(v))
def test_parameter_counts_match_paper(kwargs, expected):
    n = LiftFormer(LiftFormerConfig(num_joints_in=17, num_joints_out=17, **kwargs)).num_parameters()
    assert abs(n - expected) / expected <= 0.005, f"{kwargs}: {n} parameters, paper says {expected}"


def test_parameter_count_does_not_depend_on_receptive_field():
    counts = {LiftFormer(LiftFormerConfig(receptive_field=n, d_model=64, heads=4, blocks=1)).num_parameters() for n in (27, 81, 243)}
    assert len(counts) == 1


@pytest.mark.parametrize("n", [1, 3, 27, 81])
@pytest.mark.parametrize("causal", [False, True])
def test_output_shape(n, causal):
    model = LiftFormer(LiftFormerConfig(num_joints_in=16, num_joints_out=17, **tiny_model_kwargs(receptive_field=n, causal=causal)))
    out = model(torch.randn(5, n, 16, 2))
    assert out.shape == (5, 1, 17, 3)
    assert torch.isfinite(out).all()


def test_shared_attention_is_one_module():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(blocks=3, share_attention=True)))
    assert model.blocks[0].attention is model.blocks[2].attention
    assert model.blocks[0].ffn is not model.blocks[1].ffn
    assert model.blocks[0].norm1 is not model.blocks[1].norm1
    unshared = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(blocks=3)))
    assert unshared.blocks[0].attention is not unshared.blocks[1].attention


@pytest.mark.parametrize("causal", [False, True])
def test_last_block_single_query_equals_full_block(causal):
    """Running the last block for the target token only must equal running it on all tokens."""
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=11, blocks=3, causal=causal))).eval()
    x = torch.randn(4, 11, 17, 2)
    with torch.no_grad():
        fast = model(x)
        b, n = x.shape[:2]
        h = model.expand(x.reshape(b, n, -1).transpose(1, 2)).transpose(1, 2) + model.positional
        for block in model.blocks:
            h = block(h)
        token = h[:, model.config.output_index : model.config.output_index + 1]
        slow = model.shrink(token.transpose(1, 2)).transpose(1, 2).reshape(b, 1, 17, 3)
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


def test_causal_window_target_is_last_frame():
    assert LiftFormerConfig(receptive_field=27).output_index == 13
    assert LiftFormerConfig(receptive_field=27, causal=True).output_index == 26


def test_output_depends_on_whole_window_and_order():
    """Attention with positional encoding: the output must react to every frame and to order."""
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=7))).eval()
    x = torch.randn(1, 7, 17, 2)
    base = model(x)
    for t in range(7):
        y = x.clone()
        y[:, t] += 0.5
        assert not torch.allclose(model(y), base), f"frame {t} has no influence"
    swapped = x[:, [1, 0, 2, 3, 4, 5, 6]]
    assert not torch.allclose(model(swapped), base), "positional encoding has no effect"


def test_dropout_only_in_training():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(dropout=0.5)))
    x = torch.randn(2, 9, 17, 2)
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.allclose(model(x), model(x))


def test_wrong_input_shape_is_a_clear_error():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs()))
    with pytest.raises(ValueError, match=r"expects input \(batch, 9, 17, 2\)"):
        model(torch.randn(2, 27, 17, 2))
    with pytest.raises(ValueError, match="17, 2"):
        model(torch.randn(2, 9, 16, 2))


@pytest.mark.parametrize(
    "bad", [dict(receptive_field=26), dict(receptive_field=0), dict(d_model=30, heads=4), dict(dropout=1.0)]
)
def test_invalid_config_rejected(bad):
    with pytest.raises(ValueError):
        LiftFormer(LiftFormerConfig(**{**tiny_model_kwargs(), **bad}))


def test_config_round_trip():
    cfg = LiftFormerConfig(num_joints_in=16, receptive_field=81, share_attention=True, causal=True)
    assert LiftFormerConfig.from_dict(cfg.to_dict()) == cfg
    assert LiftFormer(cfg).config == cfg
    with pytest.raises(ValueError, match="unknown"):
        LiftFormerConfig.from_dict({**cfg.to_dict(), "bogus": 1})


def test_gradients_reach_every_parameter():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(share_attention=True)))
    model(torch.randn(3, 9, 17, 2)).square().sum().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


@pytest.mark.parametrize("share", [False, True])
def test_plain_encoder_reference_gives_identical_outputs(share):
    """The timing baseline, nn.TransformerEncoder on the same weights, computes the same function (inference mode)."""
    from liftformer.model.reference import PlainEncoderReference

    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=11, blocks=3, share_attention=share))).eval()
    reference = PlainEncoderReference(model).eval()
    x = torch.randn(6, 11, 17, 2)
    with torch.inference_mode():
        torch.testing.assert_close(reference(x), model(x), atol=1e-5, rtol=1e-5)
# ---------------------------------------------------------------- sequence head (beyond the paper)


@pytest.mark.parametrize("n", [1, 9])
@pytest.mark.parametrize("causal", [False, True])
def test_sequence_head_output_shape(n, causal):
    config = LiftFormerConfig(num_joints_in=16, num_joints_out=17, **tiny_model_kwargs(receptive_field=n, causal=causal, head="sequence"))
    model = LiftFormer(config)
    out = model(torch.randn(5, n, 16, 2))
    assert out.shape == (5, n, 17, 3) and torch.isfinite(out).all()
    assert model.config.output_frames == n


def test_sequence_head_has_the_same_parameters_and_centre_token():
    """Same weights: the sequence head's target token equals the centre head's output."""
    centre = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(blocks=3))).eval()
    seq = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(blocks=3, head="sequence"))).eval()
    assert seq.num_parameters() == centre.num_parameters()
    seq.load_state_dict(centre.state_dict())  # strict: identical parameter names and shapes
    x = torch.randn(4, 9, 17, 2)
    with torch.no_grad():
        full, one = seq(x), centre(x)
        b, n = x.shape[:2]
        h = seq.expand(x.reshape(b, n, -1).transpose(1, 2)).transpose(1, 2) + seq.positional
        for block in seq.blocks:
            h = block(h)
        ref = seq.shrink(h.transpose(1, 2)).transpose(1, 2).reshape(b, n, 17, 3)
    torch.testing.assert_close(full, ref, rtol=0, atol=0)
    torch.testing.assert_close(full[:, 4:5], one, atol=1e-5, rtol=1e-5)


def test_causal_sequence_head_ignores_future_frames_in_window():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, blocks=3, causal=True, head="sequence"))).eval()
    x = torch.randn(3, 9, 17, 2)
    with torch.no_grad():
        base = model(x)
        for t in (0, 4, 7):
            y = x.clone()
            y[:, t + 1 :] += torch.randn_like(y[:, t + 1 :])
            out = model(y)
            torch.testing.assert_close(out[:, : t + 1], base[:, : t + 1], rtol=0, atol=1e-6)
            assert not torch.allclose(out[:, t + 1 :], base[:, t + 1 :])


def test_non_causal_sequence_head_sees_the_whole_window():
    """Without the causal flag every output frame reacts to a later frame: the test above can fail."""
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, head="sequence"))).eval()
    x = torch.randn(2, 9, 17, 2)
    y = x.clone()
    y[:, -1] += 1.0
    with torch.no_grad():
        changed = (model(y) - model(x)).abs().amax(dim=(0, 2, 3)) > 1e-6
    assert changed.all()


def test_causal_mask_needs_all_queries():
    from liftformer.model.layers import MultiHeadAttention

    with pytest.raises(ValueError, match="causal"):
        MultiHeadAttention(8, 2, 0.0)(torch.randn(1, 3, 8), query_index=1, causal=True)


def test_sequence_head_gradients_reach_every_parameter():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(share_attention=True, causal=True, head="sequence")))
    model(torch.randn(3, 9, 17, 2)).square().sum().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_head_config_validated_and_round_trips():
    import dataclasses

    with pytest.raises(ValueError, match="head must be one of"):
        LiftFormerConfig(head="frames")
    cfg = LiftFormerConfig(receptive_field=27, causal=True, head="sequence")
    assert LiftFormerConfig.from_dict(cfg.to_dict()) == cfg and cfg.to_dict()["head"] == "sequence"
    assert LiftFormer(cfg).config == cfg
    old = {k: v for k, v in cfg.to_dict().items() if k != "head"}  # a checkpoint written before heads
    assert LiftFormerConfig.from_dict(old).head == "centre"
    assert LiftFormerConfig().head == "centre" and LiftFormerConfig().output_frames == 1
    names = [f.name for f in dataclasses.fields(LiftFormerConfig)]
    assert names[-2:] == ["causal", "head"] and names[0] == "num_joints_in"


@pytest.mark.parametrize("head", ["centre", "sequence"])
@pytest.mark.parametrize("causal", [False, True])
def test_macs_match_counted_matrix_products(head, causal):
    """The analytic count equals torch's FLOP counter (math SDPA, so attention is counted too)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    model = LiftFormer(LiftFormerConfig(num_joints_in=16, **tiny_model_kwargs(causal=causal, head=head))).eval()
    with FlopCounterMode(display=False) as counter, sdpa_kernel(SDPBackend.MATH), torch.no_grad():
        model(torch.randn(1, 9, 16, 2))
    assert counter.get_total_flops() == 2 * model.config.macs_per_window()


def test_macs_per_frame():
    centre = LiftFormerConfig(receptive_field=27)
    seq = LiftFormerConfig(receptive_field=27, head="sequence")
    assert centre.macs_per_frame() == centre.macs_per_window()
    assert seq.macs_per_window() == centre.macs_per_window(full_last_block=True) + 26 * 512 * 3 * 17
    assert seq.macs_per_frame() == pytest.approx(seq.macs_per_window() / 27)
    assert seq.macs_per_frame(stride=1) == seq.macs_per_window()
    assert seq.macs_per_frame() < centre.macs_per_frame() / 10
    with pytest.raises(ValueError, match="stride"):
        centre.macs_per_frame(stride=3)
    with pytest.raises(ValueError, match="stride"):
        seq.macs_per_frame(stride=28)


def test_constructor_takes_its_config_only():
    cfg = LiftFormerConfig(**tiny_model_kwargs())
    assert LiftFormer(cfg).config == cfg
    with pytest.raises(TypeError):
        LiftFormer(**tiny_model_kwargs())  # type: ignore[call-arg]
