"""File writing that never leaves a partial file behind and never overwrites an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from liftformer.errors import LiftformerError

PathLike = str | os.PathLike


def atomic_write(path: PathLike, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)`` then rename onto ``path``: a crash never leaves a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # keep the real suffix last: writers that pick a format by extension (ffmpeg, numpy) still work
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: PathLike, text: str) -> None:
    """Write a text file atomically."""
    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            f.write(text)

    atomic_write(path, write)


def check_not_folder(label: str, path: PathLike, example: str = "") -> None:
    """Refuse an output path that is an existing folder (one line naming ``label``; ``example``: a file name to
    suggest inside it), rather than write beside it or fail after the work."""
    path = Path(path)
    if path.is_dir():
        such = f"a file name such as {path / example}" if example else "the path of a file instead"
        raise LiftformerError(f"{label} {path}: is a folder; give {such}")


def check_outputs(outputs: Mapping[str, PathLike | None], inputs: Mapping[str, PathLike | None] | None = None) -> None:
    """Refuse, before any work, an output that is an input or another output, or can't be written.

    ``outputs`` and ``inputs`` map a label the user knows (a flag such as ``--out``, or "input")
    to a path; ``None`` entries are skipped. Each output's directory (or, when missing, its nearest
    existing parent: the writer makes it) is probed with a real temporary file, so read-only or
    non-directory parents fail here, not after the work. Raises a one-line :class:`LiftformerError` naming the flag, the path and the fix.
    """
    seen: dict[str, tuple[str, Path]] = {}
    ins = {label: Path(p) for label, p in (inputs or {}).items() if p is not None}
    for label, raw in outputs.items():
        if raw is None:
            continue
        path = Path(raw)
        for in_label, in_path in ins.items():
            if _same_file(path, in_path):
                raise LiftformerError(f"{label} {path}: is the {in_label} {in_path}; writing it would destroy it: "
                                      f"choose another output path")
        key = str(path.resolve())
        if key in seen:
            other_label, other = seen[key][0], seen[key][1]
            raise LiftformerError(f"{label} {path}: is also the {other_label} output {other}: give them different paths")
        seen[key] = (label, path)
        check_not_folder(label, path)
        check_writable_dir(path.parent, label, create=False)  # made when the file is written: a refused run leaves none


def check_writable_dir(directory: PathLike, label: str, create: bool = True) -> None:
    """Prove a file can be written in ``directory`` (created if missing), or raise one line. With ``create=False`` a
    missing directory is not made: its nearest existing parent is tested instead (the caller makes it later, once
    every input has been checked, so that a refused run leaves nothing behind)."""
    directory = Path(directory)
    try:
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        probe = directory
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise NotADirectoryError(20, "not a directory")
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise LiftformerError(f"{label}: cannot write to directory {directory} ({reason}): "
                              f"choose a writable location") from None


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        try:
            return os.path.samefile(a, b)
        except OSError:
            pass
    return a.resolve() == b.resolve()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
