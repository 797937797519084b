"""Side-by-side renders drawn directly (numpy + Pillow): the input with the 2D used | a fixed 3D view.

Every person has their own colour (left limbs light, right limbs full, spine in between), in
both panels. The 3D view is a perspective camera slightly above the people, looking at a floor
grid, with a scale fixed for the whole render; ``orbit`` turns it slowly about the vertical.
Frames are written to MP4 (ffmpeg from the imageio-ffmpeg wheel) or GIF (Pillow), to a temporary
name first, so an interrupted render never leaves a file that looks complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from liftformer.data.skeleton import H36M_17, Skeleton
from liftformer.fileio import atomic_write
from liftformer.inference.writers.drawing import View3D, bone_colours, draw_segments, draw_text, fit_view, floor_grid
from liftformer.threads import prefetched

RENDER_SUFFIXES = (".mp4", ".gif")
INPUT_BACKGROUND = (236, 236, 232)  # the input panel when there is no video
VIEW_BACKGROUND = (28, 30, 36)
GRID_COLOUR = (78, 82, 94)
OUTLINE = (16, 16, 16)


@dataclass(frozen=True)
class Layout:
    """Output geometry: the input panel (left, ``input_width`` × ``height``) and the square 3D panel (right).

    Input image pixels map to the left panel by ``pixel · scale + offset`` (per axis).
    """

    height: int
    input_width: int
    scale: tuple[float, float]
    offset: tuple[float, float]

    @property
    def width(self) -> int:
        return self.input_width + self.height

    def to_panel(self, pixels: np.ndarray) -> np.ndarray:
        """Input image pixels (..., 2) → left-panel pixels."""
        return np.asarray(pixels) * np.array(self.scale) + np.array(self.offset)


def _multiple_of_16(value: float) -> int:
    return max(64, int(round(value / 16)) * 16)


def video_panel(image_size: tuple[int, int], height: int | None = None) -> tuple[int, int]:
    """(width, height) of a render's input panel over a video of ``image_size`` (width, height): ``height`` (default
    min(720, the video's)), the width in proportion, both multiples of 16."""
    out_h = _multiple_of_16(height or min(720, image_size[1]))
    return _multiple_of_16(out_h * image_size[0] / image_size[1]), out_h


def make_layout(image_size: tuple[int, int], pixels_2d: np.ndarray, video: bool, height: int | None = None) -> Layout:
    """The layout for a render: with a video the left panel is the frame scaled to ``height`` (default
    min(720, frame height)); without one it is square and frames the 2D's extent over the sequence
    (default height 480). Sides are multiples of 16 (what video encoders want)."""
    width_px, height_px = image_size
    if video:
        in_w, out_h = video_panel(image_size, height)
        return Layout(out_h, in_w, (in_w / width_px, out_h / height_px), (0.0, 0.0))
    out_h = _multiple_of_16(height or 480)
    finite = np.asarray(pixels_2d).reshape(-1, 2)
    finite = finite[np.isfinite(finite).all(1)]
    lo, hi = (finite.min(0), finite.max(0)) if len(finite) else (np.zeros(2), np.array([width_px, height_px], float))
    half = 0.6 * float(np.max(hi - lo)) + 1.0
    scale = out_h / (2 * half)
    offset = out_h / 2 - (lo + hi) / 2 * scale
    return Layout(out_h, out_h, (scale, scale), (float(offset[0]), float(offset[1])))


def place_people(poses_3d: np.ndarray, pixels_2d: np.ndarray, image_size: tuple[int, int], root: int = 0) -> np.ndarray:
    """(P, T, 3) rough root positions (metres, camera axes) for showing root-relative people together.

    Weak perspective with a focal length of the image width: each person's depth comes from the
    ratio of their 3D to 2D bone lengths (median over the clip), x from their 2D root; y is 0 (one
    floor). For display only; the result is centred on the people's mean position.
    """
    focal = float(image_size[0])
    span3 = np.linalg.norm(np.diff(poses_3d, axis=2), axis=-1).sum(-1)  # (P, T): a size proxy, joint to joint
    span2 = np.linalg.norm(np.diff(pixels_2d, axis=2), axis=-1).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        metres_per_px = np.nanmedian(np.where(span2 > 0, span3 / span2, np.nan), axis=1, keepdims=True)  # (P, 1)
    metres_per_px = np.nan_to_num(metres_per_px, nan=float(np.nanmedian(metres_per_px)) if np.isfinite(metres_per_px).any() else 0.0)
    x = (pixels_2d[..., root, 0] - image_size[0] / 2) * metres_per_px
    z = np.broadcast_to(focal * metres_per_px, x.shape)
    roots = np.stack([x, np.zeros_like(x), z], -1)
    return roots - np.nanmean(roots.reshape(-1, 3), axis=0)


def _with_person_axis(array: np.ndarray, dims: int, name: str) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[-1] != dims:
        raise ValueError(f"{name}: expected (P, T, J, {dims}) or (T, J, {dims}), got {array.shape}")
    return array


def render_frames(
    poses_3d: np.ndarray,
    pixels_2d: np.ndarray,
    image_size: tuple[int, int],
    frames: Iterator[np.ndarray] | None = None,
    skeleton: Skeleton = H36M_17,
    fps: float = 50.0,
    height: int | None = None,
    orbit: float = 0.0,
    azimuth: float = 30.0,
    elevation: float = 15.0,
    first_frame: int = 0,
    roots: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """RGB images (H, W, 3) uint8, one per frame: the input with the 2D on the left, the 3D on the right.

    ``poses_3d`` (P, T, J, 3) camera-space metres, root-relative, and ``pixels_2d`` (P, T, J, 2)
    input pixels, one row per person (NaN where a person is absent; (T, J, ·) for one person);
    ``frames`` optional video frames under the 2D; ``orbit`` degrees per second the 3D view turns
    (0: a fixed view from ``azimuth``, ``elevation``); ``first_frame`` the input frame number of the
    first pose (the label shows input frame numbers); ``roots`` (P, T, 3) where to show each person
    (default: in place for one person, :func:`place_people` for several).
    """
    poses = _with_person_axis(poses_3d, 3, "poses_3d")
    pixels = _with_person_axis(pixels_2d, 2, "pixels_2d")
    if poses.shape[:3] != pixels.shape[:3] or poses.shape[2] != skeleton.num_joints:
        raise ValueError(f"poses_3d {poses.shape} and pixels_2d {pixels.shape} do not match the {skeleton.name} skeleton")
    people, count = poses.shape[:2]
    if roots is None and people > 1:
        roots = place_people(poses, pixels, image_size)
    shown = poses if roots is None else poses + np.asarray(roots, dtype=np.float64)[:, :, None, :]
    layout = make_layout(image_size, pixels, frames is not None, height)
    view = fit_view(shown, layout.height, elevation)
    lowest = np.max(np.where(np.isfinite(shown[..., 1]), shown[..., 1], -np.inf), axis=2)  # camera y is down
    floor = float(np.median(lowest[np.isfinite(lowest)])) if np.isfinite(lowest).any() else 1.0
    grid = floor_grid(view, floor)
    bones = np.array(skeleton.bones())
    colours = np.concatenate([bone_colours(skeleton, p) for p in range(people)])  # (P·B, 3)
    width_2d, width_3d = max(2.0, layout.height / 170), max(2.0, layout.height / 150)
    font = max(10, layout.height // 32)
    label_3d = "3D, root-relative" if roots is None else "3D, placed from 2D"
    floor_3d = None  # a fixed view's floor, drawn once
    if not orbit:
        floor_3d = np.empty((layout.height, layout.height, 3), dtype=np.uint8)
        _draw_people_3d(floor_3d, view, shown[:0, 0], bones, colours, width_3d, azimuth, view.project(grid, azimuth)[0])
    panel_2d = layout.to_panel(pixels)
    for t in range(count):
        out = np.empty((layout.height, layout.width, 3), dtype=np.uint8)
        left, right = out[:, : layout.input_width], out[:, layout.input_width:]
        frame = next(frames, None) if frames is not None else None
        _paint_input(left, frame)
        for p in range(people):
            segs = panel_2d[p, t][bones]  # (B, 2, 2)
            b = len(segs)
            draw_segments(left, np.concatenate([segs, segs]),
                          np.concatenate([np.broadcast_to(OUTLINE, (b, 3)), colours[p * b:(p + 1) * b]]),
                          np.r_[np.full(b, width_2d + 2), np.full(b, width_2d)])
        draw_text(left, (font // 2, font // 2), f"2D used, frame {first_frame + t}", font)
        angle = azimuth + orbit * t / fps
        if floor_3d is None:
            _draw_people_3d(right, view, shown[:, t], bones, colours, width_3d, angle, view.project(grid, angle)[0])
        else:
            right[...] = floor_3d
            _draw_people_3d(right, view, shown[:, t], bones, colours, width_3d, angle)
        draw_text(right, (font // 2, font // 2), label_3d, font)
        yield out


def _paint_input(panel: np.ndarray, frame: np.ndarray | None) -> None:
    """The video frame scaled into ``panel``, or a plain background."""
    if frame is None:
        panel[...] = INPUT_BACKGROUND
        return
    height, width = panel.shape[:2]
    if frame.shape[:2] != (height, width):
        frame = np.asarray(Image.fromarray(np.ascontiguousarray(frame[..., :3])).resize((width, height), Image.Resampling.BILINEAR))
    panel[...] = frame[..., :3]


def _draw_people_3d(panel: np.ndarray, view: View3D, points: np.ndarray, bones: np.ndarray, colours: np.ndarray,
                    width: float, azimuth: float, grid_px: np.ndarray | None = None) -> None:
    """The floor grid (``grid_px``; None: the floor is in ``panel`` already), then every person's bones far to near
    (painter's order), into ``panel``."""
    px, depth = view.project(points, azimuth)  # (P, J, 2), (P, J)
    segs = px[:, bones].reshape(-1, 2, 2)
    order = np.argsort(-depth[:, bones].mean(-1).ravel(), kind="stable")
    if grid_px is None:
        draw_segments(panel, segs[order], colours[order], np.full(len(order), width))
        return
    g = len(grid_px)
    draw_segments(panel, np.concatenate([grid_px, segs[order]]),
                  np.concatenate([np.broadcast_to(GRID_COLOUR, (g, 3)), colours[order]]),
                  np.r_[np.full(g, 1.0), np.full(len(order), width)], background=VIEW_BACKGROUND)


def check_render_path(path: str | os.PathLike) -> str:
    """The render format (suffix) of ``path``, or a one-line ``ValueError`` before any work is done."""
    suffix = Path(path).suffix.lower()
    if suffix not in RENDER_SUFFIXES:
        raise ValueError(f"--render {path}: render to {' or '.join(RENDER_SUFFIXES)}: give e.g. {Path(path).with_suffix('.mp4')}")
    return suffix


def write_video(images: Iterator[np.ndarray], path: str | os.PathLike, fps: float) -> int:
    """Write RGB images to ``.mp4`` or ``.gif`` atomically; returns the number of frames.

    MP4: libx264 through imageio's ffmpeg. GIF: Pillow, each frame on its own 255-colour palette
    (fast octree, no dithering: ~10x quicker than imageio's default quantiser).
    """
    suffix = check_render_path(path)
    count = 0

    def counted() -> Iterator[np.ndarray]:
        nonlocal count
        for image in prefetched(images):  # the next images drawn while this one is encoded
            count += 1
            yield image

    def write(tmp: str) -> None:
        if suffix == ".mp4":
            import imageio.v2 as imageio

            # x264 "veryfast": ~3x the frames/s of its default preset on 2 cores for a similar file size
            writer = imageio.get_writer(tmp, format="FFMPEG", fps=fps, codec="libx264", macro_block_size=16, quality=7,
                                        ffmpeg_params=["-preset", "veryfast"])
            with writer:
                for image in counted():
                    writer.append_data(image)
            return
        frames = (Image.fromarray(image).quantize(255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
                  for image in counted())
        first = next(frames, None)
        if first is None:
            raise ValueError(f"{path}: no frames to write")
        first.save(tmp, format="GIF", save_all=True, append_images=frames, duration=round(1000.0 / fps), loop=0)

    atomic_write(path, write)
    return count
