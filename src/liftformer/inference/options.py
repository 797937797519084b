"""Settings shared by offline and streaming lifting, independent of how they were given (CLI, code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

DEFAULT_FOV = 55.0  # degrees, horizontal: a typical phone or action camera's main lens, when the camera is not known
STREAM_THREADS = 1  # one intra-op thread keeps per-frame latency flat when other processes load the CPU


@dataclass(frozen=True)
class LiftOptions:
    """How to read, clean and lift 2D keypoints."""

    layout: str | None = None  # keypoint layout; None: from the file, else guessed
    width: int | None = None  # image size in pixels; None: from the file or video
    height: int | None = None
    fps: float | None = None  # None: from the file or video, else 50
    min_score: float = 0.3  # keypoints at or below this confidence count as missing
    max_gap: int = 10  # runs of more frames than this without a person are reported
    person: str = "largest"  # whom to lift from several people per frame: a track id, "largest" or "all"
    max_people: int = 64  # a keypoint file listing more persons in one frame is refused (one line)
    detector: str = "blazepose"  # who finds the people of a video: a name from sources.read.DETECTORS
    flip: bool = True  # flip test-time augmentation
    batch_size: int = 256  # windows per forward pass (offline)
    checkpoint: str | None = None  # a .safetensors model; None: the shipped one
    threads: int | None = None  # torch intra-op threads; None: torch's default offline, 1 streaming
    trajectory: bool = True  # the root's camera-space path (offline; needs a model with a trajectory calibration)
    fov: float | None = None  # horizontal field of view, degrees; None: ``focal``, else DEFAULT_FOV
    focal: float | None = None  # focal length, pixels
    person_height: float | None = None  # the person's stature, metres; None: the model's calibrated size
    fix_feet: bool = False  # move the root so that feet in contact with the floor do not slide

    def thread_count(self, stream: bool) -> int:
        """Intra-op threads for a run: as given, else one when streaming, else torch's default."""
        return self.threads or (STREAM_THREADS if stream else torch.get_num_threads())


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` torch intra-op threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
