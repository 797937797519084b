"""``liftformer lift``: 3D poses from a video or a 2D keypoint file, offline or streaming."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from liftformer.errors import DataError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lift", help="lift a video or a 2D keypoint file to 3D poses")
    p.add_argument("input", help="a video (.mp4 .avi .mov …; needs the [video] extra), a keypoint file "
                   "(.npz VideoPose3D custom, .json COCO-style, .csv, .npy (T, J, 2|3)), or a webcam index with --stream")
    add_lift_arguments(p)
    p.add_argument("--stream", action="store_true", help="causal model, one frame at a time; prints a JSON line per frame")
    p.set_defaults(func=run)


def add_lift_arguments(p: argparse.ArgumentParser) -> None:
    """Flags shared by ``lift`` and ``demo``."""
    p.add_argument("--out", default=None, help="output .npz (default: INPUT_STEM_3d.npz in the current directory)")
    p.add_argument("--json", action="store_true", help="also write the poses as JSON")
    p.add_argument("--csv", action="store_true", help="also write the poses as CSV")
    p.add_argument("--render", default=None, help="write a side-by-side render to this .mp4 or .gif")
    p.add_argument("--checkpoint", default=None, help="a .safetensors model (default: the shipped model)")
    p.add_argument("--layout", choices=("h36m", "coco", "mpii", "blazepose"), default=None,
                   help="keypoint layout (default: from the file, else guessed from the joints)")
    p.add_argument("--width", type=int, default=None, help="image width in pixels (keypoint files without it)")
    p.add_argument("--height", type=int, default=None, help="image height in pixels")
    p.add_argument("--fps", type=float, default=None, help="frame rate (default: from the file/video, else 50)")
    p.add_argument("--min-score", type=float, default=0.3, help="keypoints at or below this confidence count as missing")
    p.add_argument("--max-gap", type=int, default=10, help="report runs of more frames than this without a person")
    p.add_argument("--no-flip", action="store_true", help="no flip test-time augmentation (2x faster)")
    p.add_argument("--batch-size", type=int, default=256)


def run(args: argparse.Namespace) -> int:
    from liftformer.inference.video import VIDEO_SUFFIXES

    source = args.input
    is_video = Path(source).suffix.lower() in VIDEO_SUFFIXES or (args.stream and source.isdigit())
    if args.stream:
        return _stream(args, is_video)
    if is_video:
        from liftformer.inference.detector import detect_video

        kp = detect_video(source)
    else:
        from liftformer.inference.keypoints import read_keypoints

        kp = read_keypoints(source)
    return lift_and_save(kp, args, frames_from=source if is_video else None)


def lift_and_save(kp, args: argparse.Namespace, frames_from: str | None = None) -> int:
    """Prepare keypoints, lift them with the chosen model, write the outputs and print where."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.keypoints import prepare_keypoints
    from liftformer.inference.lifting import lift_sequence
    from liftformer.inference.pretrained import load_model

    t0 = time.perf_counter()
    prepared = prepare_keypoints(kp, args.layout, args.width, args.height, args.min_score, args.max_gap)
    model = load_model(args.checkpoint)
    flip = None if args.no_flip else (H36M_17, H36M_17)
    poses = lift_sequence(model, prepared.keypoints, batch_size=args.batch_size, flip=flip)
    cfg = model.config
    print(f"lifted {len(poses)} frames in {time.perf_counter() - t0:.1f} s with a {model.num_parameters() / 1e6:.2f}M-parameter, "
          f"n={cfg.receptive_field} {'causal ' if cfg.causal else ''}{'TCN' if cfg.arch == 'tcn' else 'LiftFormer'}", flush=True)
    fps = args.fps or kp.fps or 50.0
    name = Path(kp.source).stem if kp.source else "poses"
    _report_gaps(prepared, fps)
    written = _write_outputs(args, name, poses, prepared.pixels, prepared.filled, fps)
    if args.render:
        written.append(_render(args.render, poses, prepared.pixels, kp.image_size(args.width, args.height), fps, frames_from))
    for path in written:
        print(f"wrote {path}")
    return 0


def _report_gaps(prepared, fps: float) -> None:
    for note in prepared.notes:
        print(f"warning: {note}", file=sys.stderr)
    filled = int(prepared.filled.any(1).sum())
    if filled:
        print(f"interpolated missing keypoints in {filled} of {len(prepared.filled)} frames", file=sys.stderr)
    for start, end in prepared.long_gaps:
        print(f"warning: no person in frames {start}-{end - 1} ({(end - start) / fps:.1f} s): poses there are interpolated",
              file=sys.stderr)


def _write_outputs(args, name: str, poses, pixels, filled, fps: float) -> list[str]:
    from liftformer.inference.outputs import output_paths, save_csv, save_json, save_npz

    paths = output_paths(args.out or f"{name}_3d.npz", args.json, args.csv)
    save_npz(paths["npz"], poses, pixels, filled, fps)
    if "json" in paths:
        save_json(paths["json"], poses, pixels, fps)
    if "csv" in paths:
        save_csv(paths["csv"], poses)
    return [str(p) for p in paths.values()]


def _render(path: str, poses, pixels, size: tuple[int, int], fps: float, video: str | None) -> str:
    from liftformer.inference.render import render_frames, write_video

    frames = None
    if video is not None:
        from liftformer.inference.video import iter_frames

        frames = iter_frames(video)
    images = render_frames(poses, pixels, size, frames=frames, fps=fps)
    if sys.stderr.isatty():
        from tqdm import tqdm

        images = tqdm(images, total=len(poses), desc="render", unit="frame")
    write_video(images, path, fps)
    return path


def _stream(args: argparse.Namespace, is_video: bool) -> int:
    """Causal lifting frame by frame; each pose is printed as a JSON line as soon as it is ready."""
    from liftformer.data.camera import normalize_screen_coordinates
    from liftformer.data.layouts import to_h36m
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.pretrained import load_model
    from liftformer.inference.streaming import StreamingLifter

    model = load_model(args.checkpoint, causal=True)
    lifter = StreamingLifter(model, None if args.no_flip else (H36M_17, H36M_17))
    frames, layout, (width, height), fps = _stream_source(args, is_video)
    last = None  # hold the last seen position of every joint while it is missing
    confident = np.zeros(17, bool)  # joints seen above min_score at least once
    poses, pixels, latencies = [], [], []
    for points in frames:
        t0 = time.perf_counter()
        if points is not None:
            points = to_h36m(points, layout)
            located = np.isfinite(points[..., :2]).all(-1)
            ok = located & (points[..., 2] > args.min_score)
            confident |= ok
            # joints never confidently seen (e.g. out of frame) follow their low-confidence estimate
            use = ok | (located & ~confident)
            last = np.where(use[:, None], points[..., :2], last if last is not None else np.nan)
        if last is None or not np.isfinite(last).all():
            continue  # nothing to lift until every joint has been seen once
        pose = lifter.push(normalize_screen_coordinates(last, width, height).astype(np.float32))
        latencies.append(time.perf_counter() - t0)
        poses.append(pose)
        pixels.append(last.copy())
        print(json.dumps({"frame": len(poses) - 1, "latency_ms": round(1000 * latencies[-1], 2),
                          "pose_3d": np.round(pose, 4).tolist()}), flush=True)
    if not poses:
        raise DataError(f"{args.input}: no person detected in any frame")
    poses_arr, pixels_arr = np.stack(poses), np.stack(pixels)
    written = _write_outputs(args, Path(args.input).stem, poses_arr, pixels_arr, np.zeros(poses_arr.shape[:2], bool), fps)
    ms = 1000 * np.array(latencies)
    print(f"streamed {len(poses)} frames: lifting latency median {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms "
          f"per frame; wrote {', '.join(written)}", file=sys.stderr)
    return 0


def _stream_source(args: argparse.Namespace, is_video: bool):
    """(iterator of (J, 3) pixel x, y, score or None per frame, layout, (width, height), fps)."""
    if is_video:
        from liftformer.inference.detector import MediaPipePoseDetector
        from liftformer.inference.video import iter_frames, probe_video

        info = probe_video(args.input)
        detector = MediaPipePoseDetector()

        def detections():
            with detector:  # closed when the stream ends or fails
                for frame in iter_frames(args.input):
                    yield detector.detect(frame)

        return detections(), detector.layout, (info.width, info.height), info.fps
    from liftformer.data.layouts import guess_layout
    from liftformer.inference.keypoints import read_keypoints

    kp = read_keypoints(args.input)
    width, height = kp.image_size(args.width, args.height)
    layout = args.layout or kp.layout or guess_layout(kp.pixels)
    scores = kp.scores if kp.scores is not None else np.ones(kp.pixels.shape[:2])
    points = np.concatenate([kp.pixels, scores[..., None]], -1)
    return iter(points), layout, (width, height), args.fps or kp.fps or 50.0
