"""A batch's inputs: collected from files, folders and lists, checked, and each given its outputs under ``--out``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liftformer.errors import DataError
from liftformer.inference.sources.keypoints import KEYPOINT_SUFFIXES
from liftformer.inference.sources.video import VIDEO_SUFFIXES
from liftformer.inference.writers.plan import OutputPlan

LIFTABLE = tuple(VIDEO_SUFFIXES) + tuple(KEYPOINT_SUFFIXES)
KINDS = ("json", "csv", "render", "bvh", "trc", "angles", "angles_plot")  # the outputs besides the npz a batch may ask for
SUFFIXES = {"render": "_3d.mp4", "bvh": "_3d.bvh", "trc": "_3d.trc", "angles": "_angles.csv", "angles_plot": "_angles.png"}


@dataclass(frozen=True)
class Task:
    """One input: where it is, its name under the output folder (no suffix), and the files its lift writes."""

    input: Path
    name: Path
    plan: OutputPlan


def collect_inputs(inputs: Sequence[str]) -> list[Path]:
    """Every liftable file ``inputs`` name: files as given, folders searched recursively (sorted), ``.txt`` files read as
    one path a line (relative to the list's folder; ``#`` starts a comment). One-line DataError for a missing input, a
    file that is not liftable, or a folder or list with nothing liftable, before any work."""
    found: list[Path] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LIFTABLE and not p.name.startswith("."))
            if not inside:
                raise DataError(f"{given}: a folder with nothing to lift (no {' '.join(LIFTABLE)} file in it)")
            found += inside
        elif path.suffix.lower() == ".txt" and path.is_file():
            listed = [line.split("#", 1)[0].strip() for line in path.read_text(errors="replace").splitlines()]
            entries = [str(path.parent / entry) if not Path(entry).is_absolute() else entry for entry in listed if entry]
            if not entries:
                raise DataError(f"{given}: a list of inputs with no path in it (one video or keypoint file a line)")
            found += collect_inputs(entries)
        elif not path.exists():
            raise DataError(f"{given}: no such file or folder")
        elif path.suffix.lower() not in LIFTABLE:
            raise DataError(f"{given}: not a video or keypoint file ({' '.join(LIFTABLE)}), nor a folder or a .txt list")
        else:
            found.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


def check_out(out: Path, inputs: Sequence[str]) -> None:
    """One-line DataError when the output folder lies inside a folder given as input (its outputs would be read as
    inputs by the next run)."""
    out = out.resolve()
    for given in inputs:
        folder = Path(given).resolve()
        if folder.is_dir() and (out == folder or folder in out.parents):
            raise DataError(f"--out {out}: inside the input folder {given}, whose outputs the next run would read as inputs: "
                            "give an output folder outside it")


def plan_tasks(files: Sequence[Path], out: Path, kinds: Iterable[str], render_suffix: str = ".mp4") -> list[Task]:
    """Each file's :class:`Task`: its outputs under ``out`` at its path relative to the files' common folder, as ``lift``
    names them; one-line DataError when ``out`` holds an input or two inputs would write the same files."""
    out = out.resolve()
    for f in files:
        if out == f or out in f.parents:
            raise DataError(f"--out {out}: it holds the input {f}: give an output folder outside the inputs")
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    kinds = set(kinds)
    tasks: list[Task] = []
    owners: dict[Path, Path] = {}
    for f in files:
        name = f.relative_to(common).with_suffix("")
        if name in owners:
            raise DataError(f"{owners[name]} and {f} would write the same outputs ({out / name}_3d.npz): rename one or "
                            "give them in separate batches")
        owners[name] = f
        stem = out / name
        npz = stem.parent / f"{stem.name}_3d.npz"
        paths: dict[str, Any] = {k: stem.parent / f"{stem.name}{SUFFIXES[k]}" for k in kinds if k in SUFFIXES}
        if "render" in paths:
            paths["render"] = paths["render"].with_suffix(render_suffix)
        tasks.append(Task(f, name, OutputPlan(npz, npz.with_suffix(".json") if "json" in kinds else None,
                                              npz.with_suffix(".csv") if "csv" in kinds else None, paths.get("render"),
                                              bvh=paths.get("bvh"), angles=paths.get("angles"), angles_plot=paths.get("angles_plot"),
                                              trc=paths.get("trc"))))
    return tasks


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


