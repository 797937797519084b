"""Settings shared by offline and streaming lifting, independent of how they were given (CLI, code)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
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
    detector: str = "fused"  # who finds the people of a video: a name from sources.read.DETECTORS
    flip: bool = True  # flip test-time augmentation
    batch_size: int = 256  # windows per forward pass (offline)
    checkpoint: str | None = None  # a .safetensors model; None: the shipped one
    threads: int | None = None  # torch intra-op threads; None: torch's default offline, 1 streaming
    trajectory: bool = True  # the root's camera-space path (offline; needs a model with a trajectory calibration)
    fov: float | None = None  # horizontal field of view, degrees; None: ``focal``, else DEFAULT_FOV
    focal: float | None = None  # focal length, pixels
    person_height: float | Mapping[int, float] | None = None  # stature, metres (or per track id); None: the model's size
    fix_feet: bool = False  # move the root so that feet in contact with the floor do not slide

    def for_person(self, person: int | None) -> LiftOptions:
        """These options for one track id (None: the one person of a file or stream, taken as id 1): a per-id
        ``person_height`` becomes that person's stature (None when not given for them)."""
        if not isinstance(self.person_height, Mapping):
            return self
        return dataclasses.replace(self, person_height=self.person_height.get(1 if person is None else person))

    @property
    def stature(self) -> float | None:
        """The one stature these options give (a per-id ``person_height`` applies through :meth:`for_person`)."""
        return None if isinstance(self.person_height, Mapping) else self.person_height

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
