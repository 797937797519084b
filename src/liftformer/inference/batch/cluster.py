"""A batch on an existing Ray cluster: one task per input, the same bookkeeping as a local batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from liftformer.errors import DataError
from liftformer.inference.batch.inputs import Task
from liftformer.inference.batch.job import MEMORY_PER_WORKER, _batch, lift_one
from liftformer.inference.batch.manifest import Row
from liftformer.inference.options import LiftOptions

RAY_RETRIES = 3  # a lost worker's task is run again this many times on another
CONNECT_S = 5.0  # seconds to reach a cluster's head before it is said not to be there


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


