"""Argument types and runtime checks shared by every command: bad values fail at parse time, in one line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from liftformer.data.formats import MAX_IMAGE_SIZE


def _number(kind: Callable[[str], float | int], test: Callable[[float], bool], what: str) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value != value or value in (float("inf"), float("-inf")) or not test(value):  # NaN, inf
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "an integer ≥ 0")
positive_float = _number(float, lambda v: v > 0, "a positive number")
non_negative_float = _number(float, lambda v: v >= 0, "a number ≥ 0")
fraction = _number(float, lambda v: 0 < v <= 1, "a fraction in (0, 1]")
probability = _number(float, lambda v: 0 <= v <= 1, "a number in [0, 1]")
dropout_rate = _number(float, lambda v: 0 <= v < 1, "a dropout rate in [0, 1)")
decay_rate = _number(float, lambda v: 0 <= v < 1, "a decay in [0, 1)")
field_of_view = _number(float, lambda v: 10 < v < 170, "degrees in (10, 170)")
# --focal, in pixels, checked before the image's width is known: 10 px is --fov's widest view (170 degrees) of a 230 px
# wide image, 1,000,000 px its narrowest (10 degrees) of a 175,000 px wide one, wider than MAX_IMAGE_SIZE. Beyond, rays
# of ~1e-10 per pixel drown in the trajectory solve's regularisation (1e12 put a root 0.87 m away, not 4e9 m)
focal_length = _number(float, lambda v: 10 <= v <= 1e6, "pixels in [10, 1000000]")
image_side = _number(int, lambda v: 0 < v <= MAX_IMAGE_SIZE, f"a positive integer ≤ {MAX_IMAGE_SIZE} (pixels)")
stature_metres = _number(float, lambda v: 0.5 < v < 2.5, "metres in (0.5, 2.5)")
swing_degrees = _number(float, lambda v: 0 <= v <= 180, "degrees in [0, 180]")


def person_choice(text: str) -> str:
    """``--person``: ``largest``, ``all`` or a track id (a positive integer), checked before any detection runs."""
    if text.strip() in ("largest", "all"):
        return text.strip()
    if text.strip().isdigit() and int(text) > 0:
        return str(int(text))  # "01" is id 1
    raise argparse.ArgumentTypeError(f"expected a track id (1, 2, …), largest or all, got {text!r}")


def statures(text: str) -> float | dict[int, float]:
    """``--person-height``: one stature for everyone (``1.72``) or one per track id (``1=1.80,2=1.55``), metres."""
    if "=" not in text:
        return float(stature_metres(text))
    what = "metres in (0.5, 2.5), or ID=METRES,… with one stature per track id"
    heights: dict[int, float] = {}
    for item in text.split(","):
        pid, _, metres = item.partition("=")
        try:
            person, height = int(pid), float(metres)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if person < 1 or person in heights or not 0.5 < height < 2.5:
            raise argparse.ArgumentTypeError(f"expected {what} (ids ≥ 1, each once), got {text!r}")
        heights[person] = height
    return heights


def check_device(device: str) -> str:
    """``device`` if this PyTorch build and machine can use it, else a one-line ``ValueError`` naming --device."""
    import torch

    try:
        dev = torch.device(device)
    except RuntimeError:
        raise ValueError(f"--device {device}: not a device (use cpu, cuda or cuda:N)") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            build = "this PyTorch build has no CUDA" if torch.version.cuda is None else "no CUDA GPU is visible"
            raise ValueError(f"--device {device}: {build}; use --device cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s); use cuda:0")
    elif dev.type not in ("cpu", "mps"):
        raise ValueError(f"--device {device}: unsupported device type (use cpu or cuda)")
    return device


def add_runtime_arguments(
    p: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    checkpoint: str | None = None,
    batch_size: int | None = None,
    batch_help: str = "windows per forward pass",
    bf16: bool = False,
    device: bool = True,
    threads_help: str = "torch intra-op threads (default: torch's)",
) -> None:
    """The runtime flags, declared here once for every command: ``--threads`` always, ``--device`` unless
    ``device=False`` (the command runs on the CPU only);
    ``--checkpoint`` when ``checkpoint`` is ``"required"`` or ``"shipped"`` (optional, default the shipped
    model); ``--batch-size`` when ``batch_size`` or ``batch_help`` is given; ``--bf16`` on request.
    ``main`` checks ``--device`` before any command runs."""
    if checkpoint == "required":
        p.add_argument("--checkpoint", required=True, help="a .safetensors weights file written by liftformer train")
    elif checkpoint == "shipped":
        p.add_argument("--checkpoint", default=None, help="a .safetensors model (default: the shipped model)")
    elif checkpoint is not None:
        raise ValueError(f"checkpoint must be 'required', 'shipped' or None, got {checkpoint!r}")
    if batch_size is not None or batch_help != "windows per forward pass":
        p.add_argument("--batch-size", type=positive_int, default=batch_size, help=batch_help)
    if device:
        p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 …")
    p.add_argument("--threads", type=positive_int, default=None, help=threads_help)
    if bf16:
        p.add_argument("--bf16", action="store_true", help="bf16 autocast (GPU)")


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone (``| head``), so no later write or flush raises
    (the Python docs' recipe for SIGPIPE)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
