"""Direct drawing for the renders: antialiased segments and text on RGB arrays, person colours, a 3D view.

Segments are drawn with Pillow's ImageDraw on a supersampled canvas of just their bounding box,
reduced by box filtering and blended into the image (premultiplied colour + coverage), so the
cost follows the skeleton's size, not the frame's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from liftformer.data.skeleton import Skeleton

RGB = tuple[int, int, int]
# one hue per person (cycled): saturated, far apart, readable over video and on the dark 3D panel
PERSON_COLOURS: tuple[RGB, ...] = (
    (235, 64, 52), (38, 125, 235), (45, 185, 80), (245, 165, 20),
    (165, 75, 210), (20, 185, 195), (235, 85, 165), (150, 115, 60),
)
LEFT_TINT = 0.55  # left limbs: the person's colour mixed this much with white; right limbs: the colour itself
CENTRE_TINT = 0.25


def _mix(colour: RGB, tint: float) -> RGB:
    r, g, b = (round(c + (255 - c) * tint) for c in colour)
    return r, g, b


def bone_colours(skeleton: Skeleton, person: int) -> np.ndarray:
    """(B, 3) uint8 colours of ``skeleton.bones()`` for ``person``: right side in the person's colour,
    left side light, the spine and head in between."""
    base = PERSON_COLOURS[person % len(PERSON_COLOURS)]
    left, right = set(skeleton.joints_left), set(skeleton.joints_right)
    side = {**{j: _mix(base, LEFT_TINT) for j in left}, **{j: base for j in right}}
    return np.array([side.get(j, _mix(base, CENTRE_TINT)) for _, j in skeleton.bones()], dtype=np.uint8)


def draw_segments(canvas: np.ndarray, segments: np.ndarray, colours: np.ndarray, widths: np.ndarray,
                  background: RGB | None = None, supersample: int = 2) -> None:
    """Draw segments (S, 2, 2) pixel (x, y) with round caps into ``canvas`` (H, W, 3) uint8, in place, in order.

    ``colours`` (S, 3), ``widths`` (S,) in pixels; segments with a non-finite end are skipped.
    ``background``: fill the whole canvas with it first (cheaper than blending over what is there).
    Antialiased by drawing ``supersample`` times larger and box-filtering down.
    """
    seg = np.asarray(segments, dtype=np.float64).reshape(-1, 2, 2)
    keep = np.isfinite(seg).all(axis=(1, 2))
    seg, colours, widths = seg[keep], np.asarray(colours)[keep], np.asarray(widths, dtype=np.float64)[keep]
    height, width = canvas.shape[:2]
    s = supersample
    if background is not None:
        lo, hi = np.zeros(2, dtype=int), np.array([width, height])
    elif not len(seg):
        return
    else:
        pad = widths.max() / 2 + 2
        ends = seg.reshape(-1, 2)
        lo = np.clip(np.floor(ends.min(0) - pad), 0, [width, height]).astype(int)
        hi = np.clip(np.ceil(ends.max(0) + pad), 0, [width, height]).astype(int)
        if (hi <= lo).any():
            return
    box = (int(hi[0] - lo[0]) * s, int(hi[1] - lo[1]) * s)
    paint = Image.new("RGB", box, background or (0, 0, 0))
    mask = None if background is not None else Image.new("L", box)  # coverage; one RGBA image reduces slower
    draws = [(ImageDraw.Draw(paint), None)] + ([] if mask is None else [(ImageDraw.Draw(mask), 255)])
    points = (seg - lo) * s - 0.5  # a pixel's centre in the supersampled grid
    radii = widths * s / 2
    for (a, b), colour, w, r in zip(points.tolist(), colours.tolist(), (widths * s).round().astype(int).tolist(), radii.tolist()):
        for draw, value in draws:
            fill = value if value is not None else tuple(colour)
            draw.line((*a, *b), fill=fill, width=w)
            draw.ellipse((a[0] - r, a[1] - r, a[0] + r, a[1] + r), fill=fill)
            draw.ellipse((b[0] - r, b[1] - r, b[0] + r, b[1] + r), fill=fill)
    if mask is None:
        canvas[...] = np.asarray(paint.reduce(s))
    else:
        _blend(canvas, lo, np.asarray(paint.reduce(s)), np.asarray(mask.reduce(s)))


def _blend(canvas: np.ndarray, corner: np.ndarray, paint: np.ndarray, coverage: np.ndarray) -> None:
    """canvas = canvas · (1 - coverage) + paint at ``corner`` (x, y), in place; ``paint`` (h, w, 3) is
    premultiplied by ``coverage`` (h, w), both uint8."""
    x, y = int(corner[0]), int(corner[1])
    alpha = coverage[..., None].astype(np.uint16)
    keep = 256 - (alpha + (alpha >> 7))  # 256 · (1 - alpha / 255): exact at 0 and 255
    region = canvas[y:y + paint.shape[0], x:x + paint.shape[1]]
    region[...] = np.minimum(((region * keep) >> 8) + paint, 255)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def draw_text(canvas: np.ndarray, xy: tuple[int, int], text: str, size: int, colour: RGB = (255, 255, 255)) -> None:
    """Antialiased ``text`` at ``xy`` (top left) with a dark shadow, into ``canvas`` in place."""
    font = _font(size)
    left, top, right, bottom = (int(v) for v in font.getbbox(text))
    box = (right + 2, bottom + 2)
    mask = Image.new("L", box)
    ImageDraw.Draw(mask).text((1, 1), text, font=font, fill=255)
    x, y = xy
    height, width = canvas.shape[:2]
    if x < 0 or y < 0 or x + box[0] > width or y + box[1] > height:
        return
    alpha = np.asarray(mask, dtype=np.uint16)[..., None]
    shadow = np.zeros_like(alpha)
    shadow[1:, 1:] = alpha[:-1, :-1]  # one pixel down and right
    region = canvas[y:y + box[1], x:x + box[0]]
    region[...] = (region * (255 - shadow) + 127) // 255
    region[...] = (region * (255 - alpha) + alpha * np.array(colour, dtype=np.uint16) + 127) // 255


@dataclass(frozen=True)
class View3D:
    """A perspective camera orbiting a fixed centre, for a (size × size) panel.

    Points are in the lifter's camera space (metres; x right, y down, z forward). ``azimuth`` 0
    looks along +z (the video camera's direction), positive turns the view to the right of the
    person; ``elevation`` looks down from above. Centre, radius and so the scale are fixed for a
    whole render, so the figure never jumps.
    """

    centre: np.ndarray  # (3,)
    radius: float  # metres from the centre that fit in the panel
    size: int  # panel side, pixels
    elevation: float = 15.0  # degrees
    distance: float = 3.5  # camera distance in radii

    def project(self, points: np.ndarray, azimuth: float) -> tuple[np.ndarray, np.ndarray]:
        """Panel pixels (..., 2) and depths (...) of ``points`` (..., 3) seen from ``azimuth`` degrees."""
        a, e = np.radians(azimuth), np.radians(self.elevation)
        yaw = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
        pitch = np.array([[1, 0, 0], [0, np.cos(e), -np.sin(e)], [0, np.sin(e), np.cos(e)]])
        p = (np.asarray(points, dtype=np.float64) - self.centre) @ (pitch @ yaw).T
        depth = p[..., 2] + self.distance * self.radius
        focal = 0.47 * self.size * (self.distance - 1)  # the radius sphere fits the panel from any side
        scale = focal / np.maximum(depth, 1e-6)
        return self.size / 2 + p[..., :2] * scale[..., None], depth


def fit_view(points: np.ndarray, size: int, elevation: float = 15.0) -> View3D:
    """The fixed :class:`View3D` that holds (nearly) every finite point of ``points`` (..., 3) from any azimuth."""
    flat = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    flat = flat[np.isfinite(flat).all(1)]
    if not len(flat):
        return View3D(np.zeros(3), 1.0, size, elevation)
    lo, hi = np.percentile(flat, 0.5, axis=0), np.percentile(flat, 99.5, axis=0)
    centre = (lo + hi) / 2
    radius = float(np.percentile(np.linalg.norm(flat - centre, axis=1), 99.5)) * 1.05
    return View3D(centre, max(radius, 0.5), size, elevation)


def floor_grid(view: View3D, floor_y: float) -> np.ndarray:
    """(S, 2, 3) segments of a square floor grid at height ``floor_y`` (camera y, down) around the view's centre."""
    step = float(np.choose(np.searchsorted([1.0, 2.5, 6.0], view.radius), [0.25, 0.5, 1.0, 2.0]))
    cx, _, cz = view.centre
    half = np.ceil(view.radius / step) * step
    ticks = np.arange(-half, half + step / 2, step)
    xs, zs = cx + ticks, cz + ticks
    along_z = np.stack([np.stack([xs, np.full_like(xs, floor_y), np.full_like(xs, cz - half)], -1),
                        np.stack([xs, np.full_like(xs, floor_y), np.full_like(xs, cz + half)], -1)], 1)
    along_x = np.stack([np.stack([np.full_like(zs, cx - half), np.full_like(zs, floor_y), zs], -1),
                        np.stack([np.full_like(zs, cx + half), np.full_like(zs, floor_y), zs], -1)], 1)
    return np.concatenate([along_z, along_x])
