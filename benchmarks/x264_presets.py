"""x264 presets for the render: encoder CPU a frame and file size, on frames a render drew.

    liftformer lift VIDEO --person all --render /tmp/r.mp4 && python benchmarks/x264_presets.py /tmp/r.mp4

The render's frames are decoded into memory, then written by the renderer's own writer settings (libx264 through
imageio's ffmpeg, quality 7) with each preset; the encoder's CPU is the ffmpeg child's, read after it exits.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import imageio.v2 as imageio

from liftformer.timing import hardware_description

PRESETS = ("veryfast", "superfast", "ultrafast")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("render", help="an MP4 that liftformer lift --render wrote")
    args = parser.parse_args()
    frames = [frame for frame in imageio.get_reader(args.render, format="ffmpeg")]  # list() would ask its len(): inf
    print(hardware_description(), f"; {args.render}: {len(frames)} frames of {frames[0].shape[1]}x{frames[0].shape[0]}")
    print("| preset | encoder CPU, ms a frame | wall, ms a frame | file, kB |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in PRESETS:
            path = os.path.join(tmp, f"{preset}.mp4")
            start, cpu = time.perf_counter(), children_cpu()
            with imageio.get_writer(path, format="FFMPEG", fps=30, codec="libx264", macro_block_size=16, quality=7,
                                    ffmpeg_params=["-preset", preset]) as writer:
                for frame in frames:
                    writer.append_data(frame)
            wall, cpu = time.perf_counter() - start, children_cpu() - cpu
            print(f"| {preset} | {1000 * cpu / len(frames):.1f} | {1000 * wall / len(frames):.1f} | {os.path.getsize(path) // 1024} |")


if __name__ == "__main__":
    main()
