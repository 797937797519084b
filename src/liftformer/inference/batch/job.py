"""Running a batch: each input lifted by :func:`lift_one`, in this process or in worker processes, the bookkeeping
(skipping what an earlier run completed, the manifest as each finishes) shared with the Ray runner."""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import redirect_stderr
from dataclasses import replace
from pathlib import Path

from liftformer.errors import DataError, LiftformerError
from liftformer.fileio import atomic_write_text
from liftformer.inference.batch.inputs import Task, sha256
from liftformer.inference.batch.manifest import MANIFEST, Row, read_manifest, write_manifest
from liftformer.inference.options import LiftOptions

MEMORY_PER_WORKER = 2 << 30  # bytes a worker may take (the model, a detector, a video's frames in flight)


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
    except (LiftformerError, ValueError, OSError) as e:  # the program's one-line refusals
        row.status, row.error = "failed", " ".join(str(e).split()) or type(e).__name__
    except Exception as e:  # noqa: BLE001 — anything else an input makes go wrong is that input's failure, not the batch's
        row.status, row.error = "failed", f"{task.input}: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
    row.seconds = time.perf_counter() - t0
    if row.status == "failed":  # its log says why too
        print(f"error: {row.error}", file=notes)
    written = [Path(line[len("wrote "):]) for line in log.getvalue().splitlines() if line.startswith("wrote ")]
    if row.status == "failed":
        for path in written:
            path.unlink(missing_ok=True)
    else:
        row.outputs = [str(p.resolve().relative_to(out)) for p in written]
        row.persons = len([p for p in written if p.suffix == ".npz"])
        row.person_frames = sum(int(m) for m in re.findall(r"^lifted (\d+) frames", log.getvalue(), flags=re.MULTILINE))
        row.warnings = sum(line.startswith("warning:") for line in notes.getvalue().splitlines())
    atomic_write_text(out / f"{task.name}.log", notes.getvalue())
    return row


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
                for future in as_completed(futures):
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


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
