"""A batch's manifest: a row per input (what, how it went, which files), rewritten atomically as each finishes."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liftformer.fileio import atomic_write

MANIFEST = "manifest.csv"
# person_frames: the frames lifted, summed over the input's people; warnings: the "warning:" lines in its NAME.log
COLUMNS = ("input", "sha256", "status", "error", "persons", "person_frames", "warnings", "seconds", "outputs", "liftformer",
           "model")


@dataclass
class Row:
    """One input's manifest row."""

    input: str
    sha256: str = ""
    status: str = ""
    error: str = ""
    persons: int = 0
    person_frames: int = 0
    warnings: int = 0
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    liftformer: str = ""
    model: str = ""

    def cells(self) -> list[str]:
        return [self.input, self.sha256, self.status, self.error, str(self.persons), str(self.person_frames), str(self.warnings),
                f"{self.seconds:.2f}", ";".join(self.outputs), self.liftformer, self.model]


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
            return {r["input"]: Row(r["input"], r["sha256"], r["status"], r["error"], int(r["persons"] or 0),
                                    int(r.get("person_frames", r.get("frames")) or 0),  # "frames" before 2026-12-07
                                    int(r.get("warnings") or 0), float(r["seconds"] or 0),
                                    [o for o in r["outputs"].split(";") if o], r["liftformer"], r["model"])
                    for r in csv.DictReader(f)}
    except (OSError, KeyError, ValueError, csv.Error):
        return {}


def report(rows: Sequence[Row], file: Any = None) -> str:
    """One line: how many inputs were ok, skipped and failed, and the first failures."""
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "skipped", "failed")}
    failed = [r.error if r.input in r.error else f"{r.input}: {r.error}" for r in rows if r.status == "failed"][:3]
    line = f"batch: {counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed"
    line += "; " + "; ".join(failed) if failed else ""
    warned = sum(r.warnings > 0 for r in rows if r.status != "failed")
    line += f"; {warned} with warnings (in the .log beside its outputs)" if warned else ""
    print(line, file=file or sys.stderr)
    return line
