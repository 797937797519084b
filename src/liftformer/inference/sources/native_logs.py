"""Keep native libraries' log lines (MediaPipe's absl/glog, TensorFlow Lite) off the terminal.

Those libraries write to file descriptor 2 directly, whatever the environment variables say in
the MediaPipe builds on PyPI ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
"W0000 … inference_feedback_manager.cc …"). :func:`quiet_native_logs` points descriptor 2 at a
temporary file while it is active, keeps Python's own stderr (messages, progress bars) on the
terminal, and afterwards passes on every captured line that is not such INFO/WARNING noise.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

NOISE = re.compile(r"^(INFO: |WARNING: All log messages before absl::InitializeLog\(\)|[IW]\d{4} )")


def _python_stderr_is_fd2() -> bool:
    try:
        return sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # replaced by a capture (pytest) or closed
        return False


@contextlib.contextmanager
def quiet_native_logs(enabled: bool = True) -> Iterator[None]:
    """Within the block, native INFO/WARNING lines on descriptor 2 are dropped; other lines are shown after it."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = None
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            if _python_stderr_is_fd2():
                python_stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
                with contextlib.redirect_stderr(python_stderr):
                    yield
            else:
                yield
        finally:
            if python_stderr is not None:
                python_stderr.close()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            kept = [line for line in sink.read().decode(errors="replace").splitlines() if line and not NOISE.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)
