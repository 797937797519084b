"""MediaPipe/TFLite log lines on descriptor 2 are dropped unless asked for; other lines get through."""

from __future__ import annotations

import os
import sys

from liftformer.inference.sources.native_logs import quiet_native_logs

NATIVE = (b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"
          b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
          b"W0000 00:00:1795738335.890241   12129 inference_feedback_manager.cc:114] Feedback manager requires a model\n"
          b"E0000 00:00:1795738335.890241   12129 graph.cc:1] a real error\n")


def test_native_noise_is_dropped_and_the_rest_kept(capfd):
    with quiet_native_logs():
        os.write(2, NATIVE)
        print("progress 3/10", file=sys.stderr)
    err = capfd.readouterr().err
    assert "a real error" in err and "progress 3/10" in err
    assert "XNNPACK" not in err and "InitializeLog" not in err and "Feedback manager" not in err


def test_verbose_keeps_everything(capfd):
    with quiet_native_logs(enabled=False):
        os.write(2, NATIVE)
    err = capfd.readouterr().err
    assert "XNNPACK" in err and "Feedback manager" in err
