"""A run's outputs: the files it will write (:class:`OutputPlan`, checked before any work) and one lifted clip
(:class:`Lifted`) written to them: npz, JSON, CSV, BVH, and one render for everyone."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, TextIO

import numpy as np

from liftformer.inference.writers.outputs import Placement


@dataclasses.dataclass(frozen=True)
class OutputPlan:
    """Every file a run will write; checked before any work."""

    npz: Path
    json: Path | None = None
    csv: Path | None = None
    render: Path | None = None
    orbit: float = 0.0  # degrees per second the render's 3D view turns (0: fixed)
    bvh: Path | None = None
    bvh_scale: float = 1.0  # BVH units per metre (100: centimetres)
    angles: Path | None = None  # the joint and segment angles, CSV (also put in the npz and JSON)
    angles_plot: Path | None = None  # their curves, PNG
    trc: Path | None = None  # OpenSim's markers at the joints
    FILES: ClassVar[tuple[str, ...]] = ("npz", "json", "csv", "render", "bvh", "angles", "angles_plot", "trc")

    def check(self, inputs: dict[str, str | None], labels: dict[str, str] | None = None) -> None:
        """One-line error unless every output is writable and none is an input or another output;
        ``labels`` name each output (npz, json, csv, render, bvh) as the user gave it."""
        from liftformer.fileio import check_not_folder, check_outputs
        from liftformer.inference.writers.angles import check_angle_paths
        from liftformer.inference.writers.bvh import check_bvh_path
        from liftformer.inference.writers.render import check_render_path
        from liftformer.inference.writers.trc import check_trc_path

        labels = {"npz": "--out", "json": "--json", "csv": "--csv", "render": "--render", "bvh": "--bvh", "angles": "--angles",
                  "angles_plot": "--angles-plot", "trc": "--trc", **(labels or {})}
        paths = {name: getattr(self, name) for name in self.FILES if getattr(self, name) is not None}
        stem = f"{Path(inputs.get('input') or 'poses').stem}_3d"
        for name, path in paths.items():  # first: a folder is not a bad suffix
            check_not_folder(labels[name], path, {"npz": f"{stem}.npz", "render": f"{stem}.mp4", "bvh": f"{stem}.bvh"}.get(name, ""))
        if self.render is not None:
            check_render_path(self.render)
        if self.bvh is not None:
            check_bvh_path(self.bvh)
        check_angle_paths(self.angles, self.angles_plot)
        if self.trc is not None:
            check_trc_path(self.trc)
        check_outputs({labels[name]: path for name, path in paths.items()}, inputs)

    def for_person(self, person: int | str) -> OutputPlan:
        """The same outputs with ``_person<ID>`` before each suffix: one set per person when several are lifted."""
        from liftformer.inference.writers.outputs import with_person

        renamed: dict[str, Any] = {n: with_person(getattr(self, n), person) for n in self.FILES if getattr(self, n) is not None}
        return dataclasses.replace(self, **renamed)


@dataclasses.dataclass(frozen=True)
class Lifted:
    """One person's lifted clip: poses (T, J, 3), the 2D used (T, J, 2), which joints were filled (T, J), the
    input frame numbers (None: 0..T-1), frame rate and image size; where the person is (None: root-relative only)."""

    poses: np.ndarray
    pixels: np.ndarray
    filled: np.ndarray
    frames: np.ndarray | None
    fps: float
    size: tuple[int, int]
    placement: Placement | None = None

    @property
    def first(self) -> int:
        return 0 if self.frames is None else int(self.frames[0])


def write_outputs(plan: OutputPlan, clip: Lifted, log: TextIO | None = None, who: str = "",
                  angles: dict[str, np.ndarray] | None = None) -> None:
    """Write npz, JSON, CSV, BVH and, given the clip's ``angles`` (:func:`~liftformer.inference.offline.clip_angles`),
    the angles' CSV and plot (``who``: the person, in its title), naming each on ``log`` (default stdout) as soon as
    it exists."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.fileio import atomic_write_text
    from liftformer.inference.writers.angles import plot_angles, save_angles_csv, world_poses
    from liftformer.inference.writers.bvh import save_bvh
    from liftformer.inference.writers.outputs import frame_indices, save_csv, save_json, save_npz

    log = log or sys.stdout
    place = clip.placement
    frames = frame_indices(clip.frames, len(clip.poses))
    trc = None
    if plan.trc:  # made first: markers it refuses (not finite) leave no other file behind
        from liftformer.inference.writers.trc import trc_text

        trc = trc_text(world_poses(clip.poses, place), frames, clip.fps, Path(plan.trc).name)
    save_npz(plan.npz, clip.poses, clip.pixels, clip.filled, clip.fps, clip.frames, place, angles)
    print(f"wrote {plan.npz}", file=log, flush=True)
    if plan.json:
        save_json(plan.json, clip.poses, clip.pixels, clip.fps, clip.frames, place, angles, clip.filled)
        print(f"wrote {plan.json}", file=log, flush=True)
    if plan.csv:
        save_csv(plan.csv, clip.poses, clip.frames, None if place is None else place.root)
        print(f"wrote {plan.csv}", file=log, flush=True)
    if plan.bvh:  # lifted poses are complete: nothing to fill
        if place is None:
            save_bvh(plan.bvh, clip.poses, clip.fps, scale=plan.bvh_scale)
        else:
            save_bvh(plan.bvh, place.camera_poses(clip.poses), clip.fps, place.root, plan.bvh_scale, (place.rotation, place.origin))
        print(f"wrote {plan.bvh}", file=log, flush=True)
    if plan.trc and trc is not None:
        atomic_write_text(plan.trc, trc)
        print(f"wrote {plan.trc}", file=log, flush=True)
    if plan.angles and angles is not None:
        save_angles_csv(plan.angles, angles, frames, np.asarray(clip.filled), clip.fps, H36M_17.joint_names)
        print(f"wrote {plan.angles}", file=log, flush=True)
    if plan.angles_plot and angles is not None:
        frame = "the floor-fitted world frame" if place is not None else "the camera taken as upright (--no-trajectory)"
        plot_angles(plan.angles_plot, angles, frames, clip.fps, None if place is None else place.contacts,
                    f"joint angles{' of ' + who if who else ''}, in {frame}", np.asarray(np.asarray(clip.filled).all(-1)))
        print(f"wrote {plan.angles_plot}", file=log, flush=True)


def on_common_frames(clips: list[Lifted], arrays: list[tuple[np.ndarray, ...]] | None = None) -> tuple[list[np.ndarray], int]:
    """Several people's per-frame arrays on one timeline: each of ``arrays[p]`` (default: each clip's poses and
    pixels) stacked to (P, T, ...) with NaN where a person is absent, and the input frame number of the first row."""
    arrays = arrays or [(c.poses, c.pixels) for c in clips]
    first = min(c.first for c in clips)
    last = max(c.first + len(c.poses) - 1 if c.frames is None else int(c.frames[-1]) for c in clips)
    out = [np.full((len(clips), last - first + 1) + a.shape[1:], np.nan) for a in arrays[0]]
    for p, (c, values) in enumerate(zip(clips, arrays)):
        rows = (np.arange(len(c.poses)) + c.first if c.frames is None else np.asarray(c.frames, dtype=np.int64)) - first
        for stacked, a in zip(out, values):
            stacked[p, rows] = a
    return out, first


def _shown(clip: Lifted, world: Placement) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A placed clip in the render's axes (x right, y down, z away: ``world``'s upright frame, floor level):
    root-relative poses at the body's scale, pixels, roots. Each person stands on the common floor at their own
    feet's height (their depths, hence heights, are estimated apart and need not agree)."""
    place = clip.placement
    assert place is not None
    flip = np.array([1.0, -1.0, -1.0])
    poses = place.scaled(clip.poses) @ world.rotation.T * flip
    roots = (place.root - world.origin) @ world.rotation.T
    roots[:, 1] -= ((place.origin - world.origin) @ world.rotation.T)[1]  # their own floor (y = 0 in their frame) to ours
    return poses, clip.pixels, roots * flip


def render_output(plan: OutputPlan, clips: list[Lifted],
                  video_frames: Callable[[tuple[int, int]], Iterator[np.ndarray]] | None = None,
                  log: TextIO | None = None) -> None:
    """Render everyone in ``clips`` into ``plan.render`` from the first lifted input frame on (over the input
    video's frames from frame 0, scaled to the render's panel, (width, height), by ``video_frames`` when given),
    with a frames/s progress bar on stderr when it is a terminal. GIFs are drawn 480 pixels high (they are large)."""
    from liftformer.inference.writers.render import render_frames, video_panel, write_video

    path = plan.render
    if path is None:
        return
    world = clips[0].placement  # one floor for everyone: the first person's
    roots = None
    if world is not None and all(c.placement is not None for c in clips):  # where everyone really is, on the floor
        (poses, pixels, roots), first = on_common_frames(clips, [_shown(c, world) for c in clips])
    elif len(clips) == 1:
        poses, pixels, first = clips[0].poses, clips[0].pixels, clips[0].first
    else:
        (poses, pixels), first = on_common_frames(clips)
    fps, size = clips[0].fps, clips[0].size
    height = 480 if path.suffix.lower() == ".gif" else None
    frames = None if video_frames is None else islice(video_frames(video_panel(size, height)), first, None)
    images = render_frames(poses, pixels, size, frames=frames, fps=fps, height=height, orbit=plan.orbit, first_frame=first,
                           roots=roots)
    if sys.stderr.isatty():
        from tqdm import tqdm

        images = tqdm(images, total=poses.shape[-3], desc="render", unit="frame", file=sys.stderr)
    write_video(images, path, fps)
    print(f"wrote {path}", file=log or sys.stdout, flush=True)
