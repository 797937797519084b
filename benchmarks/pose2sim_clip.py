"""A Pose2Sim clip's inputs for ``real_yardstick.py``: its calibration and videos, and the detections cached per detector.

A clip in Pose2Sim's layout holds its videos in ``DIR/videos`` (paired with the cameras in their names' natural order,
as Pose2Sim pairs them) and a Qualisys ``*.qca.txt`` calibration in ``DIR/calibration`` (or, in Pose2Sim's batch
layout, in the parent folder's ``calibration``). A calibrated image size a few pixels off its video's (1088 rows for
a 1080-row video: a codec's padding to whole macroblocks) is noted and the intrinsics used as they are, as Pose2Sim
does (it reads the size only to undistort). Detections are cached as plain arrays in ``CACHE/CLIP/DETECTOR/VIDEO.npz``;
a flat ``CACHE/VIDEO.npz`` (``movenet_detections.py``'s, or this script's before it kept one folder per detector) is
used as it is. Every error is a one-line :class:`~liftformer.errors.DataError`.
"""

from __future__ import annotations

import dataclasses
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from liftformer.data.calibration import natural_key
from liftformer.data.camera import Camera
from liftformer.data.safe_npz import reason
from liftformer.errors import DataError, plural
from liftformer.inference.sources.keypoints import PeopleKeypoints
from liftformer.inference.sources.read import read_people
from liftformer.inference.sources.video import VIDEO_SUFFIXES, VideoInfo

SIZE_SLACK = 16  # pixels: a calibrated image size this near its video's is a codec's padding to whole 16-pixel macroblocks


@dataclasses.dataclass(frozen=True)
class Clip:
    """A Pose2Sim clip: its name (its folder's), Qualisys calibration file and videos (natural order)."""

    name: str
    calibration: Path
    videos: list[Path]


def find_clip(demo: Path) -> Clip:
    """The calibration and videos of the Pose2Sim clip in ``demo`` (module docstring); one-line DataError otherwise."""
    if not demo.is_dir():
        raise DataError(f"--demo {demo}: no such folder (a Pose2Sim clip: DIR/videos, DIR/calibration; this script's "
                        "docstring says how to get Demo_MultiPerson)")
    folder = demo / "videos"
    videos = sorted((v for v in folder.iterdir() if v.suffix.lower() in VIDEO_SUFFIXES), key=lambda v: natural_key(v.name)) \
        if folder.is_dir() else []
    if not videos:
        raise DataError(f"--demo {demo}: no videos in {folder} ({' '.join(VIDEO_SUFFIXES)}): give a Pose2Sim clip's folder")
    for place in (demo / "calibration", demo.parent / "calibration"):
        found = sorted(place.glob("*.qca.txt")) if place.is_dir() else []
        if len(found) > 1:
            raise DataError(f"{place}: {len(found)} Qualisys calibrations ({', '.join(f.name for f in found)}): keep one")
        if found:
            return Clip(demo.resolve().name, found[0], videos)
    others = [f.name for place in (demo / "calibration", demo.parent / "calibration") if place.is_dir() for f in place.glob("*.toml")]
    hint = f"; {', '.join(others)} is not read: convert it with Pose2Sim's calib_toml_to_qca" if others else ""
    raise DataError(f"--demo {demo}: no Qualisys calibration (calibration/*.qca.txt){hint}")


def fit_sizes(cams: list[Camera], clip: Clip, infos: Sequence[VideoInfo]) -> list[Camera]:
    """The cameras with their videos' image sizes: a calibrated size within ``SIZE_SLACK`` pixels of its video's is
    noted (one line) and the intrinsics kept as they are, as Pose2Sim does; farther, or another camera count, a
    one-line DataError."""
    if len(cams) != len(clip.videos):
        raise DataError(f"{clip.calibration}: {plural(len(cams), 'camera')}, but {clip.videos[0].parent} holds "
                        f"{plural(len(clip.videos), 'video')}: Pose2Sim pairs them one to one, in order")
    off = []
    for cam, video, info in zip(cams, clip.videos, infos):
        dw, dh = info.width - cam.width, info.height - cam.height
        if max(abs(dw), abs(dh)) > SIZE_SLACK:
            raise DataError(f"{clip.calibration}: camera {cam.name} is {cam.width}x{cam.height}, its video {video.name} "
                            f"{info.width}x{info.height}: not that camera's frames (pair cameras and videos by name order)")
        if dw or dh:
            off.append(f"{cam.name} {cam.width}x{cam.height}, {video.name} {info.width}x{info.height}")
    if off:
        print(f"note: {clip.calibration}: calibrated image sizes a few pixels off the videos' ({'; '.join(off)}): the "
              "intrinsics are used as they are, as Pose2Sim does", file=sys.stderr)
    return [dataclasses.replace(cam, width=info.width, height=info.height) for cam, info in zip(cams, infos)]


def cached(cache: Path, clip: str, video: Path, detector: str | None) -> Path | None:
    """The file holding ``video``'s cached detections: ``cache/clip/detector/<video stem>.npz`` (``detector`` None: the
    one detector's that has them), else a flat ``cache/<video stem>.npz``; None when there is none."""
    if detector is not None:
        keyed = [cache / clip / detector / f"{video.stem}.npz"]
    else:
        keyed = sorted((cache / clip).glob(f"*/{video.stem}.npz")) if (cache / clip).is_dir() else []
        if len(keyed) > 1:
            raise DataError(f"{cache / clip}: detections of {video.name} by several detectors "
                            f"({', '.join(k.parent.name for k in keyed)}): keep one")
    return next((k for k in [*keyed, cache / f"{video.stem}.npz"] if k.is_file()), None)


def detections(video: Path, info: VideoInfo, cache: Path, clip: str, detector: str | None, flag: str = "--cache") -> PeopleKeypoints:
    """The detections of every person in each frame of ``video``, cached in ``cache`` (:func:`cached`; read from there
    when present, else detected by the package's ``detector`` and written there). ``detector`` None: read only
    (``flag`` names the folder in errors)."""
    path = cached(cache, clip, video, detector)
    if path is None and detector is None:
        raise DataError(f"{flag} {cache}: no cached detections of {video.name} (fill it with movenet_detections.py --out "
                        f"{cache}, or with this script's --cache {cache} --detector NAME)")
    if path is not None:
        if path.parent == cache:
            print(f"note: {path}: detections cached without their detector's name (movenet_detections.py's, or an earlier "
                  "version's): used as they are", file=sys.stderr)
        return read_cached(path, video, info)
    kp = read_people(str(video), detector=str(detector))  # the package's reader: native log lines hidden
    assert isinstance(kp, PeopleKeypoints)
    most = max(len(p) for p in kp.people)
    padded = np.full((len(kp.people), most, kp.pixels.shape[1], 3), np.nan)
    for t, p in enumerate(kp.people):
        padded[t, : len(p)] = p
    ids = np.full((len(kp.people), most), -1)
    for t, i in enumerate(kp.identities or []):
        ids[t, : len(i)] = i
    largest = np.concatenate([kp.pixels, kp.scores[..., None]], -1)
    path = cache / clip / str(detector) / f"{video.stem}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, detector=str(detector), people=padded, counts=[len(p) for p in kp.people], largest=largest,
             size=[kp.width, kp.height], fps=kp.fps, unsmoothed=np.zeros(0) if kp.unsmoothed is None else kp.unsmoothed, ids=ids,
             layout=kp.layout)
    return kp


def read_cached(path: Path, video: Path, info: VideoInfo) -> PeopleKeypoints:
    """Cached detections (plain arrays, :func:`detections`), checked against ``video``'s size; one-line DataError."""
    try:
        with np.load(path, allow_pickle=False) as f:
            people = [f["people"][t, : int(n)] for t, n in enumerate(f["counts"])]
            unsmoothed = f["unsmoothed"] if f["unsmoothed"].size else None
            ids = [f["ids"][t, : int(n)] for t, n in enumerate(f["counts"])] if "ids" in f.files else None
            layout = str(f["layout"]) if "layout" in f.files else "blazepose"  # movenet_detections.py's: "coco"
            kp = PeopleKeypoints(f["largest"][..., :2], f["largest"][..., 2], layout, int(f["size"][0]), int(f["size"][1]),
                                 float(f["fps"]), str(video), people=people, unsmoothed=unsmoothed, identities=ids)
    except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile) as e:
        raise DataError(f"{path}: cannot read the cached detections ({reason(e)}): delete it to detect again") from None
    if (kp.width, kp.height) != (info.width, info.height):
        raise DataError(f"{path}: detections of a {kp.width}x{kp.height} video, but {video} is {info.width}x{info.height}: "
                        "another clip's; delete it or give another --cache")
    return kp
