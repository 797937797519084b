"""Side-by-side rendering with matplotlib: input (video frame or 2D skeleton) | rotating 3D skeleton.

Written frame by frame to MP4 (ffmpeg from the imageio-ffmpeg wheel) or GIF (Pillow), to a
temporary name first, so an interrupted render never leaves a file that looks complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.fileio import atomic_write

RENDER_SUFFIXES = (".mp4", ".gif")


def _figure(width_px: int, height_px: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dpi = 100
    fig = plt.figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    return fig, plt


def render_frames(
    poses_3d: np.ndarray,
    pixels_2d: np.ndarray,
    image_size: tuple[int, int],
    frames: Iterator[np.ndarray] | None = None,
    skeleton: Skeleton = H36M_17,
    fps: float = 50.0,
    size: tuple[int, int] = (960, 480),
    degrees_per_second: float = 30.0,
    first_frame: int = 0,
) -> Iterator[np.ndarray]:
    """RGB images (H, W, 3) uint8, one per frame: 2D on the left, 3D (rotating azimuth) on the right.

    ``poses_3d`` (T, J, 3) camera-space metres (x right, y down, z forward); ``pixels_2d``
    (T, J, 2); ``frames`` optional video frames drawn under the 2D skeleton; ``first_frame`` the
    input frame number of the first pose (titles show input frame numbers).
    """
    width, height = image_size
    if frames is None:  # no picture underneath: frame the skeleton's extent over the sequence
        lo, hi = np.nanmin(pixels_2d, axis=(0, 1)), np.nanmax(pixels_2d, axis=(0, 1))
        half = 0.6 * float(np.max(hi - lo)) + 1.0
        centre = (lo + hi) / 2
        xlim, ylim = (centre[0] - half, centre[0] + half), (centre[1] + half, centre[1] - half)
    else:
        xlim, ylim = (0, width), (height, 0)
    fig, plt = _figure(*size)
    ax2d = fig.add_subplot(1, 2, 1)
    ax3d = fig.add_subplot(1, 2, 2, projection="3d")
    # plot in a z-up frame: (x, z, -y) of camera space
    shown = np.stack([poses_3d[..., 0], poses_3d[..., 2], -poses_3d[..., 1]], -1)
    radius = float(np.nanmax(np.abs(shown))) * 1.1 or 1.0
    right = set(skeleton.joints_right)
    colours = ["tab:red" if j in right else "tab:blue" for _, j in skeleton.bones()]
    try:
        for t in range(len(poses_3d)):
            ax2d.clear()
            frame = next(frames, None) if frames is not None else None
            if frame is not None:
                ax2d.imshow(frame)
            ax2d.set_xlim(*xlim)
            ax2d.set_ylim(*ylim)
            ax2d.set_aspect("equal")
            ax2d.set_axis_off()
            ax2d.set_title(f"2D input, frame {first_frame + t}")
            ax3d.clear()
            ax3d.set_xlim3d(-radius, radius)
            ax3d.set_ylim3d(-radius, radius)
            ax3d.set_zlim3d(-radius, radius)
            ax3d.view_init(elev=15.0, azim=-90.0 + degrees_per_second * t / fps)
            ax3d.set_title("3D (root-relative)")
            for (p, j), colour in zip(skeleton.bones(), colours):
                ax2d.plot(*pixels_2d[t, [p, j]].T, color=colour, lw=2)
                ax3d.plot(*shown[t, [p, j]].T, color=colour, lw=2)
            fig.canvas.draw()
            yield np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    finally:
        plt.close(fig)


def check_render_path(path: str | os.PathLike) -> str:
    """The render format (suffix) of ``path``, or a one-line ``ValueError`` before any work is done."""
    suffix = Path(path).suffix.lower()
    if suffix not in RENDER_SUFFIXES:
        raise ValueError(f"{path}: render to {' or '.join(RENDER_SUFFIXES)}")
    return suffix


def write_video(images: Iterator[np.ndarray], path: str | os.PathLike, fps: float) -> int:
    """Write RGB images to ``.mp4`` or ``.gif`` atomically; returns the number of frames."""
    suffix = check_render_path(path)
    import imageio.v2 as imageio

    count = 0

    def write(tmp: str) -> None:
        nonlocal count
        if suffix == ".mp4":
            writer = imageio.get_writer(tmp, format="FFMPEG", fps=fps, codec="libx264", macro_block_size=16, quality=7)
        else:
            writer = imageio.get_writer(tmp, format="GIF", duration=1000.0 / fps, loop=0)
        with writer:
            for image in images:
                writer.append_data(image)
                count += 1

    atomic_write(path, write)
    return count
