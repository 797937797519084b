from __future__ import annotations

import json

import numpy as np
import pytest

from liftformer.data.sequences import action_group
from liftformer.evaluation.protocol import (
    SequenceErrors,
    format_table,
    sequence_errors,
    summarize_by_action,
    summarize_by_subject,
    write_table,
)


def result(subject, action, values):
    v = np.asarray(values, dtype=np.float64)
    return SequenceErrors(subject, action, 0, {"P1 MPJPE": v, "P2 P-MPJPE": v / 2, "N-MPJPE": v, "P3 MPJVE": v[1:]})


def test_frame_weighted_inside_action_unweighted_across_actions():
    results = [
        result("S9", "Walking", [10.0, 10.0]),
        result("S11", "Walking 1", [20.0] * 6),
        result("S9", "Eating", [5.0] * 3),
    ]
    table = summarize_by_action(results, actions=["Walking", "Eating", "Sitting"])
    row = table["P1 MPJPE"]
    assert list(row) == ["Walking", "Eating", "Average"]  # absent actions are left out, order kept
    assert row["Walking"] == pytest.approx((2 * 10 + 6 * 20) / 8)
    assert row["Average"] == pytest.approx(((2 * 10 + 6 * 20) / 8 + 5) / 2)
    assert table["P2 P-MPJPE"]["Eating"] == pytest.approx(2.5)


def test_humaneva_table_by_action_and_subject():
    results = [
        result("Validate/S1", "Walking 1 chunk0", [10.0] * 4),
        result("Validate/S1", "Walking 1 chunk2", [20.0] * 4),
        result("Validate/S2", "Walking 1 chunk0", [30.0]),
        result("Validate/S1", "Box 1 chunk0", [40.0]),
    ]
    table = summarize_by_subject(results, actions=["Walking", "Jog", "Box"], metric="P1 MPJPE")
    assert table["Walking"] == {"Validate/S1": 15.0, "Validate/S2": 30.0}
    assert table["Box"]["Validate/S1"] == 40.0 and np.isnan(table["Box"]["Validate/S2"])
    assert table["Average"]["all"] == pytest.approx((15 + 30 + 40) / 3)  # missing cells are skipped


def test_action_groups():
    assert action_group("Walking 1") == "Walking"
    assert action_group("WalkingDog 1") == "WalkDog"
    assert action_group("TakingPhoto") == "Photo"
    assert action_group("Box 1 chunk3") == "Box"


def test_sequence_errors_zero_the_root_and_use_millimetres():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(5, 17, 3))
    shifted = target + np.array([1.0, 2.0, 3.0])  # a global offset is not an error once roots are zeroed
    errors = sequence_errors(shifted, target)
    for name, values in errors.items():
        np.testing.assert_allclose(values, 0.0, atol=1e-9, err_msg=name)
    assert len(errors["P3 MPJVE"]) == 4
    off = target.copy()
    off[:, 5] += np.array([0.01, 0.0, 0.0])  # 1 cm on one joint of 17
    np.testing.assert_allclose(sequence_errors(off, target)["P1 MPJPE"], 10.0 / 17)


def test_table_output_formats(tmp_path):
    table = summarize_by_action([result("S9", "Walking", [10.0]), result("S9", "Eating", [20.0])], ["Walking", "Eating"])
    text = format_table(table, {"Walking": "Walk"})
    assert "Walk" in text.splitlines()[0] and "15.0" in text
    write_table(table, tmp_path / "t.json")
    assert json.loads((tmp_path / "t.json").read_text())["P1 MPJPE"]["Average"] == 15.0
    write_table(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[0] == ",Walking,Eating,Average"
