"""Reading video files (and webcams) frame by frame with imageio's ffmpeg plugin.

ffmpeg itself ships inside the ``imageio-ffmpeg`` wheel, so no system install is needed. A
source is a file path or a webcam index string such as ``"0"`` (imageio's ``<video0>``).
Every failure to open or decode a source is a :class:`~liftformer.errors.DataError` with one
line naming the source and the problem.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from liftformer.errors import DataError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
_MAX_REASON = 200
# still images that ffmpeg would read as a one-frame "video": their first bytes (a file renamed .mp4)
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"II*\x00": "TIFF", b"MM\x00*": "TIFF"}


@dataclass(frozen=True)
class VideoInfo:
    """Frame size in pixels, frame rate, and frame count (None when unknown, e.g. a webcam)."""

    width: int
    height: int
    fps: float
    num_frames: int | None


def is_webcam(path: str | os.PathLike) -> bool:
    """True for a webcam index string such as ``"0"``."""
    return str(path).strip().isdigit()


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Size, frame rate and frame count of a video: the count estimated from the container's duration, or, when the
    file also holds audio (whose track may outlast the video's and set that duration), the video stream's own
    (:func:`video_stream_frames`)."""
    reader = _open(path)
    try:
        meta = reader.get_meta_data()
    except Exception as e:  # noqa: BLE001 — any ffmpeg failure is a bad video
        raise DataError(f"{path}: cannot read video ({_reason(e)})") from None
    finally:
        reader.close()
    info = _info(path, meta)
    if meta.get("audio_codec") and not is_webcam(path):
        frames = video_stream_frames(path)
        if frames:
            return dataclasses.replace(info, num_frames=frames)
    return info


def video_stream_frames(path: str | os.PathLike) -> int | None:
    """The frame count of ``path``'s first video stream: its packets, demuxed without decoding (fast). None when the
    demuxer reports any error (a truncated or damaged file: the container's count then stands, so that
    :func:`report_short_decode` still warns) or ffmpeg cannot run."""
    import subprocess

    try:
        import imageio_ffmpeg

        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-v", "error", "-i", str(path),
                   "-map", "0:v:0", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"]
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    except (ImportError, OSError, RuntimeError):
        return None
    counts = re.findall(r"^frame=(\d+)$", done.stdout, flags=re.MULTILINE)
    return int(counts[-1]) if counts and done.returncode == 0 and not done.stderr.strip() else None


def iter_frames(path: str | os.PathLike, size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Yield every frame as an RGB uint8 (H, W, 3) array; the source is opened (and checked) now. ``size`` (width,
    height): frames scaled by ffmpeg itself, with its area filter (a render's background at a third of the cost
    of full frames scaled here)."""
    return _frames(path, _open(path, size))


def _frames(path: str | os.PathLike, reader: Any) -> Iterator[np.ndarray]:
    index = 0
    try:
        frames = iter(reader)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                return
            except Exception as e:  # noqa: BLE001
                raise DataError(f"{path}: cannot decode frame {index} ({_reason(e)})") from None
            yield _as_rgb(frame)
            index += 1
    finally:
        reader.close()


def _uri(path: str | os.PathLike) -> str:
    return f"<video{int(str(path).strip())}>" if is_webcam(path) else str(path)


def _open(path: str | os.PathLike, size: tuple[int, int] | None = None) -> Any:
    """An imageio ffmpeg reader (frames scaled to ``size``, width and height, when given), or a one-line DataError."""
    if not is_webcam(path):
        p = Path(path)
        if not p.exists():
            raise DataError(f"{path}: no such file")
        if not p.is_file():
            raise DataError(f"{path}: {'is a folder' if p.is_dir() else 'not a regular file'}: give a video file")
        image = _image_kind(p)
        if image:
            raise DataError(f"{path}: no video stream: the file is a {image} image (give a video, or a keypoint file)")
    try:
        import imageio.v2 as imageio

        if size is None:
            return imageio.get_reader(_uri(path), format="ffmpeg")
        with _quiet("imageio_ffmpeg"):  # it warns that the size asked for is not the video's
            return imageio.get_reader(_uri(path), format="ffmpeg", size=(int(size[0]), int(size[1])),
                                      output_params=["-sws_flags", "area"])
    except ImportError:
        raise DataError(f"{path}: video input needs imageio and imageio-ffmpeg (pip install imageio imageio-ffmpeg)") from None
    except Exception as e:  # noqa: BLE001 — any ffmpeg failure is a bad video
        others = _streams_without_video(str(e))
        if others:
            raise DataError(f"{path}: no video stream (the file holds {others} only)") from None
        what = "cannot open camera" if is_webcam(path) else "cannot read video"
        raise DataError(f"{path}: {what} ({_reason(e)})") from None


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """The Python logger ``logger`` holds its warnings in this block (errors still show)."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        log.setLevel(level)


def _image_kind(path: Path) -> str | None:
    """The still-image format whose signature ``path`` starts with (PNG, JPEG, TIFF, WebP), else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return None  # ffmpeg reports it
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((kind for magic, kind in _IMAGE_MAGIC.items() if head.startswith(magic)), None)


def _streams_without_video(ffmpeg_log: str) -> str:
    """"audio" (or the kinds of stream listed) when ffmpeg's log of an input lists streams but no video one; else ""."""
    kinds = re.findall(r"^\s*Stream #\S+.*?: (\w+):", ffmpeg_log, flags=re.MULTILINE)
    return "" if not kinds or "Video" in kinds else " and ".join(sorted({k.lower() for k in kinds}))


def report_short_decode(path: str | os.PathLike, decoded: int, stated: int | None) -> None:
    """One warning line on stderr when decoding stopped clearly before the frame count the container states
    (:func:`probe_video`'s; a truncated or damaged file: what was decoded is still used). The counts of containers
    are estimates (duration × rate), so a shortfall of up to max(2, 2%) frames is normal and passes silently."""
    if stated and stated - decoded > max(2, 0.02 * stated):
        print(f"warning: {path}: the decoder stopped after {decoded} of {stated} frames stated by the container "
              "(truncated or damaged file?)", file=sys.stderr, flush=True)


def _info(path: str | os.PathLike, meta: dict) -> VideoInfo:
    size, fps = meta.get("size"), meta.get("fps")
    if not size or not fps or not math.isfinite(fps) or fps <= 0:
        raise DataError(f"{path}: cannot read video (no frame size or frame rate in its metadata)")
    frames = meta.get("nframes")
    if frames is None or not math.isfinite(frames):
        duration = meta.get("duration")
        frames = round(duration * fps) if duration and math.isfinite(duration) and duration > 0 else None
    return VideoInfo(int(size[0]), int(size[1]), float(fps), None if frames is None else int(frames))


def _as_rgb(frame: np.ndarray) -> np.ndarray:
    frame = np.asarray(frame)
    if frame.ndim == 2:
        frame = np.repeat(frame[..., None], 3, axis=-1)
    return np.ascontiguousarray(frame[..., :3], dtype=np.uint8)


def _reason(error: BaseException) -> str:
    """The last meaningful line of an (often multi-line ffmpeg) error, without log prefixes."""
    lines = [re.sub(r"^\[[^\]]*\]\s*", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line]
    text = lines[-1] if lines else type(error).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"
