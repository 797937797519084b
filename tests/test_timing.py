from __future__ import annotations

import torch

from conftest import tiny_model_kwargs
from liftformer.inference.writers.export import quantize_int8
from liftformer.model import LiftFormer, LiftFormerConfig, TCNConfig
from liftformer.timing import compare_inference, gflops, measure_model, measure_sequence_inference


def test_measure_model_times_the_training_step_of_both_families():
    for cfg in (LiftFormerConfig(**tiny_model_kwargs(head="sequence")), TCNConfig(filter_widths=(3, 3), channels=8)):
        train, infer = measure_model(cfg, batch_size=4, repeats=2)
        assert train.items == infer.items == 4 and len(train.seconds) == 2
        assert train.median_rate > 0 and gflops(cfg, train.median_rate, training=True) > 0
    seq = measure_sequence_inference(TCNConfig(filter_widths=(3, 3), channels=8), frames=30, batch_size=4)
    assert seq.items == 30


def test_plain_encoder_comparison_and_int8():
    cmp = compare_inference(LiftFormerConfig(**tiny_model_kwargs(receptive_field=5)), batch_size=4, repeats=1)
    assert cmp.max_abs_diff < 1e-4 and cmp.speedup > 0
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs())).eval()
    x = torch.randn(3, 9, 17, 2) * 0.3
    with torch.inference_mode():
        assert (quantize_int8(model)(x) - model(x)).abs().max() < 0.05
