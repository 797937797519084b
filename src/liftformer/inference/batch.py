"""The batch job (``liftformer batch``): many inputs, each through exactly the offline job, with a manifest.

Every input (a video or a keypoint file; folders are searched recursively, a ``.txt`` lists paths) goes through
:func:`~liftformer.inference.offline.lift_people` with the same options, its outputs under the output folder at
the input's path relative to the inputs' common folder, named as ``lift`` names them (``STEM_3d.npz`` and its
siblings). ``manifest.csv`` holds a row per input, rewritten atomically as each finishes: what it was (path,
sha256), how it went (``ok``, ``failed`` with the one-line reason, ``skipped`` when an earlier run already made
it), how many people and frames, how long, which files, and the package's and the model's versions. Run again, an
input whose hash and outputs are complete is skipped (``redo``: lifted again). A failed input leaves no file of its
own behind and never stops the batch; several run at once in worker processes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import redirect_stderr
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from liftformer.errors import DataError, LiftformerError
from liftformer.fileio import atomic_write, atomic_write_text
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.keypoints import KEYPOINT_SUFFIXES
from liftformer.inference.sources.video import VIDEO_SUFFIXES
from liftformer.inference.writers.plan import OutputPlan

MANIFEST = "manifest.csv"
COLUMNS = ("input", "sha256", "status", "error", "persons", "frames", "seconds", "outputs", "liftformer", "model")
LIFTABLE = tuple(VIDEO_SUFFIXES) + tuple(KEYPOINT_SUFFIXES)
KINDS = ("json", "csv", "render", "bvh", "trc", "angles", "angles_plot")  # the outputs besides the npz a batch may ask for
SUFFIXES = {"render": "_3d.mp4", "bvh": "_3d.bvh", "trc": "_3d.trc", "angles": "_angles.csv", "angles_plot": "_angles.png"}
MEMORY_PER_WORKER = 2 << 30  # bytes a worker may take (the model, a detector, a video's frames in flight)


@dataclass(frozen=True)
class Task:
    """One input: where it is, its name under the output folder (no suffix), and the files its lift writes."""

    input: Path
    name: Path
    plan: OutputPlan


@dataclass
class Row:
    """One input's manifest row."""

    input: str
    sha256: str = ""
    status: str = ""
    error: str = ""
    persons: int = 0
    frames: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    liftformer: str = ""
    model: str = ""

    def cells(self) -> list[str]:
        return [self.input, self.sha256, self.status, self.error, str(self.persons), str(self.frames), f"{self.seconds:.2f}",
                ";".join(self.outputs), self.liftformer, self.model]


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


def lift_one(task: Task, options: LiftOptions, out: Path, versions: tuple[str, str]) -> Row:
    """Lift one input exactly as ``liftformer lift`` would (its notes in ``NAME.log`` beside its outputs); a failure is
    a row with its one-line reason, and the files it had written are removed."""
    from liftformer.inference.offline import lift_people
    from liftformer.inference.options import torch_threads

    row = Row(str(task.input), sha256(task.input), liftformer=versions[0], model=versions[1])
    log, notes = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    try:
        task.plan.check({"input": str(task.input), "--checkpoint": options.checkpoint})
        with redirect_stderr(notes), torch_threads(options.thread_count(False)):
            lift_people(str(task.input), options, task.plan, log)
        row.status = "ok"
    except (LiftformerError, ValueError, OSError) as e:
        row.status, row.error = "failed", " ".join(str(e).split()) or type(e).__name__
    row.seconds = time.perf_counter() - t0
    written = [Path(line[len("wrote "):]) for line in log.getvalue().splitlines() if line.startswith("wrote ")]
    if row.status == "failed":
        for path in written:
            path.unlink(missing_ok=True)
    else:
        row.outputs = [str(p.resolve().relative_to(out)) for p in written]
        row.persons = len([p for p in written if p.suffix == ".npz"])
        row.frames = sum(int(m) for m in re.findall(r"^lifted (\d+) frames", log.getvalue(), flags=re.MULTILINE))
    atomic_write_text(out / f"{task.name}.log", notes.getvalue())
    return row


def write_manifest(path: Path, rows: Iterable[Row]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(COLUMNS)
            out.writerows(r.cells() for r in rows)

    atomic_write(path, write)


def read_manifest(path: Path) -> dict[str, Row]:
    """An earlier run's rows by input (none when there is no manifest or it cannot be read)."""
    try:
        with open(path, newline="") as f:
            return {r["input"]: Row(r["input"], r["sha256"], r["status"], r["error"], int(r["persons"] or 0), int(r["frames"] or 0),
                                    float(r["seconds"] or 0), [o for o in r["outputs"].split(";") if o], r["liftformer"], r["model"])
                    for r in csv.DictReader(f)}
    except (OSError, KeyError, ValueError, csv.Error):
        return {}


def default_workers() -> tuple[int, str]:
    """Workers from the cores and the memory: one per core, at most one per ``MEMORY_PER_WORKER``; and why."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = cores * MEMORY_PER_WORKER
    workers = max(1, min(cores, memory // MEMORY_PER_WORKER))
    return workers, f"{cores} cores, {memory / (1 << 30):.0f} GiB of memory at {MEMORY_PER_WORKER >> 30} GiB a worker"


def run_batch(tasks: Sequence[Task], options: LiftOptions, out: Path, workers: int = 1, redo: bool = False,
              versions: tuple[str, str] = ("", ""), progress: Callable[[Row], None] | None = None) -> list[Row]:
    """Lift every task (:func:`lift_one`) on ``workers`` processes (1: in this one), skipping those an earlier run
    completed unless ``redo``; ``out/manifest.csv`` rewritten as each finishes. Ctrl-C stops it: the manifest holds
    what finished and the exception goes on."""

    def submit(pending: list[Task], finished: Callable[[Row], None]) -> None:
        if workers <= 1 or len(pending) <= 1:
            for task in pending:
                finished(lift_one(task, options, out.resolve(), versions))
            return
        # spawned, not forked: a fork of a process whose torch thread pool has run deadlocks in the child. Ctrl-C is the
        # driver's to handle: workers ignore it and finish the input in hand
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts) as pool:
            futures: list[Future] = [pool.submit(lift_one, task, options, out.resolve(), versions) for task in pending]
            try:
                for future in _as_completed(futures):
                    finished(future.result())
            except BrokenProcessPool:
                raise DataError(f"a worker process died (out of memory, or a crash in a native library); {out / MANIFEST} "
                                "holds the inputs that finished: run again to go on, with fewer --workers") from None
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise

    return _batch(tasks, out, redo, progress, submit)


def _batch(tasks: Sequence[Task], out: Path, redo: bool, progress: Callable[[Row], None] | None,
           submit: Callable[[list[Task], Callable[[Row], None]], None]) -> list[Row]:
    """The bookkeeping of a batch, whoever runs it: what an earlier run completed is skipped (unless ``redo``), the rest
    goes to ``submit`` with the callback that records each finished row; the manifest is rewritten as each finishes."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    earlier = {} if redo else read_manifest(manifest)
    rows: dict[str, Row] = {}
    pending: list[Task] = []
    for task in tasks:
        before = earlier.get(str(task.input))
        if (before is not None and before.status in ("ok", "skipped") and before.sha256 == sha256(task.input)
                and before.outputs and all((out / o).is_file() for o in before.outputs)):
            rows[str(task.input)] = replace(before, status="skipped", error="")
            if progress:
                progress(rows[str(task.input)])
        else:
            pending.append(task)
    order = [str(t.input) for t in tasks]

    def finished(row: Row) -> None:
        if row.input in rows:  # a task run twice (a retried worker): its first result stands
            return
        rows[row.input] = row
        write_manifest(manifest, [rows[i] for i in order if i in rows])
        if progress:
            progress(row)

    write_manifest(manifest, [rows[i] for i in order if i in rows])
    submit(pending, finished)
    return [rows[i] for i in order if i in rows]


def run_batch_ray(tasks: Sequence[Task], options: LiftOptions, out: Path, address: str, redo: bool = False,
                  versions: tuple[str, str] = ("", ""), progress: Callable[[Row], None] | None = None,
                  cpus: float = 1.0, memory: int = MEMORY_PER_WORKER) -> list[Row]:
    """:func:`run_batch` on an existing Ray cluster (``address``: host:port, or ``auto``): one task per input asking for
    ``cpus`` and ``memory``, retried on another node when its worker is lost (its files are rewritten whole, atomically);
    the outputs written by the workers to ``out`` (a path every node sees), the manifest by this driver, a row per input
    once. One-line DataError when Ray is not installed or the cluster cannot be reached."""
    ray = ray_module()
    connect(ray, address)
    remote = ray.remote(num_cpus=cpus, memory=memory, max_retries=RAY_RETRIES)(lift_one)

    def submit(pending: list[Task], finished: Callable[[Row], None]) -> None:
        refs = {remote.remote(task, options, out.resolve(), versions): task for task in pending}
        try:
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1)
                for ref in done:
                    refs.pop(ref)
                    finished(ray.get(ref))
        except BaseException:
            for ref in refs:
                ray.cancel(ref, force=True)
            raise
        finally:
            ray.shutdown()

    return _batch(tasks, out, redo, progress, submit)


RAY_RETRIES = 3  # a lost worker's task is run again this many times on another


def ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise DataError("--ray needs Ray: pip install -e '.[ray]' (ray==2.60.*)") from None
    return ray


def connect(ray: Any, address: str) -> None:
    """Join the cluster at ``address`` (host:port, or ``auto``: the one this machine's ``ray start`` made), refusing in one
    line, after at most ``CONNECT_S`` seconds of trying, one that is not there."""
    import socket

    if address != "auto":
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_S).close()
        except (OSError, ValueError):
            raise DataError(f"--ray {address}: no Ray cluster answers there (host:port of its head, or auto)") from None
    loopback = address.startswith("127.") or address.startswith("localhost")
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False,
                 **({"_node_ip_address": "127.0.0.1"} if loopback else {}))
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise DataError(f"--ray {address}: cannot join the cluster ({' '.join(str(e).split())[:200]})") from None


CONNECT_S = 5.0


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _as_completed(futures: list[Future]) -> Iterable[Future]:
    from concurrent.futures import as_completed

    return as_completed(futures)


def report(rows: Sequence[Row], file: Any = None) -> str:
    """One line: how many inputs were ok, skipped and failed, and the first failures."""
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "skipped", "failed")}
    failed = [r.error if r.input in r.error else f"{r.input}: {r.error}" for r in rows if r.status == "failed"][:3]
    line = f"batch: {counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed"
    line += "; " + "; ".join(failed) if failed else ""
    print(line, file=file or sys.stderr)
    return line
