#!/usr/bin/env python3
"""A synthetic clip with several people for ``liftformer lift VIDEO --person all``: still photos panned.

    python benchmarks/people_clip.py OUT.mp4 [--people 3] [--frames 60] [--size 1920x1080] [--fps 30]

Copies of matplotlib's sample photo ``grace_hopper.jpg`` (one person, head and shoulders), half
the frame high, spread across a grey canvas and panned (even copies 2 pixels a frame to the right,
odd ones 1 to the left; one person: 90 % of the frame high, in the middle). It exercises detection,
tracking, lifting and rendering end to end; it is no test of accuracy (the photos do not move their
joints, and BlazePose guesses the legs that they cut off).
"""

from __future__ import annotations

import argparse

import numpy as np


def people_clip(people: int = 3, frames: int = 60, width: int = 1920, height: int = 1080) -> list[np.ndarray]:
    """``frames`` RGB uint8 (height, width, 3) frames with ``people`` panned copies of the sample photo."""
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        photo = Image.open(f).convert("RGB")
    scale = 0.9 if people == 1 else 0.5  # BlazePose finds these head-and-shoulders photos best at about this size
    h = int(height * scale)
    photo_rgb = np.asarray(photo.resize((int(photo.width * h / photo.height), h)))
    w = photo_rgb.shape[1]
    bases = [(width - w) // 2] if people == 1 else np.linspace(0, width - w, people).astype(int).tolist()
    out = []
    for t in range(frames):
        canvas = np.full((height, width, 3), 96, np.uint8)
        for i, base in enumerate(bases):
            x0 = int(np.clip(base + (2 * t if i % 2 == 0 else -t), 0, width - w))  # even copies move right, odd ones left
            canvas[height - h:, x0:x0 + w] = photo_rgb
        out.append(canvas)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--people", type=int, default=3)
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--size", default="1920x1080")
    p.add_argument("--fps", type=float, default=30.0)
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    import imageio.v2 as imageio

    imageio.mimwrite(args.out, people_clip(args.people, args.frames, width, height), fps=args.fps, codec="libx264",
                     quality=8, macro_block_size=8)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
