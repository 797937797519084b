"""Rendering speed: the old matplotlib renderer against the direct (numpy + Pillow) one, in one run.

    python benchmarks/render_speed.py [--frames 150] [--old-frames 30]

Synthetic walks (one or three people) over a synthetic 1280×720 video (a moving gradient, held
in memory so decoding is not counted), at 50 fps. Prints frames/s of:

* rendering alone (frames produced, nothing written): old at its default 960×480 output and at
  1280×720; new at its default for a 720p video (the video at full size | a 720×720 3D view,
  2000×720), with and without orbit, one and three people;
* the writers alone, on frames rendered beforehand (MP4: libx264; GIF: 480 high);
* decode + render + write from a 1280×720 MP4 on disk, as ``lift --render`` does.

The old renderer is read from git (the newest revision of inference/render.py that still draws
with matplotlib) into a temporary module, so the package keeps no second renderer.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

from liftformer.data.synthetic import synthetic_sequence
from liftformer.inference.sources.video import iter_frames
from liftformer.inference.writers.render import render_frames, write_video
from liftformer.timing import hardware_description

WIDTH, HEIGHT, FPS = 1280, 720, 50.0
RENDER_PATH = "src/liftformer/inference/render.py"


def old_renderer(repo: Path) -> tuple[ModuleType, str]:
    """The newest committed matplotlib ``render.py`` as a module, and its commit."""
    revisions = subprocess.run(["git", "log", "--format=%H", "--", RENDER_PATH], cwd=repo, check=True,
                               capture_output=True, text=True).stdout.split()
    for rev in revisions:
        source = subprocess.run(["git", "show", f"{rev}:{RENDER_PATH}"], cwd=repo, check=True, capture_output=True, text=True).stdout
        if "matplotlib" in source:
            path = Path(tempfile.mkdtemp()) / "old_render.py"
            path.write_text(source)
            spec = importlib.util.spec_from_file_location("old_render", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module, rev[:7]
    raise SystemExit("no matplotlib revision of render.py in git history")


def people(count: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(P, T, 17, 3) root-relative poses and (P, T, 17, 2) pixels of ``count`` synthetic walkers side by side."""
    poses, pixels = [], []
    for p in range(count):
        seq = synthetic_sequence(frames, seed=p + 1, width=WIDTH, height=HEIGHT, focal=1000.0)
        poses.append(seq.positions_3d - seq.positions_3d[:, :1])
        pixels.append(seq.keypoints_px + [(p - (count - 1) / 2) * 350.0, 0.0])
    return np.stack(poses).astype(np.float64), np.stack(pixels).astype(np.float64)


def video(frames: int) -> list[np.ndarray]:
    """A 1280×720 moving gradient (smooth, so the encoder's cost is realistic, not noise)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    return [np.stack([(xx + 4 * t) % 256, yy * 200 // HEIGHT, (xx + yy + 2 * t) % 200], -1).astype(np.uint8) for t in range(frames)]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user + system."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def rate(make: Callable[[], Iterable[np.ndarray]], frames: int) -> tuple[float, float]:
    """Frames per second of consuming ``make()`` (after one warm-up frame): per wall second and per CPU
    second (the second is what an otherwise idle core would give a single-threaded stage)."""
    next(iter(make()))
    start, cpu = time.perf_counter(), _cpu_seconds()
    count = sum(1 for _ in make())
    assert count == frames, (count, frames)
    return count / (time.perf_counter() - start), count / (_cpu_seconds() - cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=150, help="frames per new-renderer measurement")
    parser.add_argument("--old-frames", type=int, default=30, help="frames per old-renderer measurement (it is slow)")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    old, old_rev = old_renderer(repo)
    n, n_old = args.frames, args.old_frames
    one, three = people(1, n), people(3, n)
    clip = video(n)
    print(f"hardware: {hardware_description()}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    print(f"old: matplotlib render.py of {old_rev}; new: the working tree; {WIDTH}x{HEIGHT} synthetic video, {FPS:g} fps")
    rows: list[tuple[str, str, tuple[float, float]]] = []

    def old_run(size: tuple[int, int], count: int) -> Iterator[np.ndarray]:
        return old.render_frames(one[0][0][:count], one[1][0][:count], (WIDTH, HEIGHT), frames=iter(clip[:count]), fps=FPS, size=size)

    def new_run(poses: np.ndarray, pixels: np.ndarray, orbit: float = 0.0) -> Iterator[np.ndarray]:
        return render_frames(poses, pixels, (WIDTH, HEIGHT), frames=iter(clip), fps=FPS, orbit=orbit)

    rows.append(("render, old (matplotlib), 1 person", "960x480", rate(lambda: old_run((960, 480), n_old), n_old)))
    rows.append(("render, old (matplotlib), 1 person", "1280x720", rate(lambda: old_run((1280, 720), n_old), n_old)))
    shape = next(new_run(*one)).shape
    size = f"{shape[1]}x{shape[0]}"
    rows.append(("render, new, 1 person, fixed view", size, rate(lambda: new_run(*one), n)))
    rows.append(("render, new, 1 person, orbit 20 deg/s", size, rate(lambda: new_run(*one, orbit=20.0), n)))
    rows.append(("render, new, 3 people, fixed view", size, rate(lambda: new_run(*three), n)))
    images = list(new_run(*one))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        rows.append(("writer alone, MP4 (libx264 veryfast)", size, rate(lambda: _written(images, out / "w.mp4"), n)))
        gif = list(render_frames(*one, (WIDTH, HEIGHT), frames=iter(clip), fps=FPS, height=480))
        gif_size = f"{gif[0].shape[1]}x{gif[0].shape[0]}"
        rows.append(("writer alone, GIF (Pillow, fast octree)", gif_size, rate(lambda: _written(gif, out / "w.gif"), n)))
        source = out / "clip.mp4"
        write_video(iter(clip), source, FPS)

        def end_to_end() -> list[np.ndarray]:
            shown = render_frames(*one, (WIDTH, HEIGHT), frames=iter_frames(source), fps=FPS)
            return _written(shown, out / "e2e.mp4")

        rows.append(("decode 720p MP4 + render + write MP4, new", size, rate(end_to_end, n)))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    width = max(len(r[0]) for r in rows)
    print(f"| {'what':<{width}} | output | frames/s (wall) | frames/s (CPU) |")
    for what, size_text, (wall, cpu) in rows:
        print(f"| {what:<{width}} | {size_text} | {wall:.1f} | {cpu:.1f} |")
    (new_wall, new_cpu), (old_wall, old_cpu) = rows[2][2], rows[1][2]
    print(f"new / old at 720p: {new_wall / old_wall:.1f}x wall, {new_cpu / old_cpu:.1f}x CPU (new draws {size}, old 1280x720)")
    return 0


def _written(images: Iterable[np.ndarray], path: Path) -> list[np.ndarray]:
    """Write ``images`` with the package's writer; returns one placeholder per frame (for counting)."""
    counted: list[np.ndarray] = []

    def tap() -> Iterator[np.ndarray]:
        for image in images:
            counted.append(image[:1, :1])
            yield image

    write_video(tap(), path, FPS)
    return counted


if __name__ == "__main__":
    sys.exit(main())
