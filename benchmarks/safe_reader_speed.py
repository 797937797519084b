"""Time the restricted reader (``liftformer.data.safe_npz``) against ``np.load(allow_pickle=True)`` on real files.

    python benchmarks/safe_reader_speed.py [DATA_DIR] [--repeats 3]

DATA_DIR defaults to $LIFTFORMER_DATA or ../shared/data; every VideoPose3D npz under it is read
both ways, alternating, and the arrays are compared. Prints seconds per read (each repeat) and
the hardware; skips cleanly without data.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from liftformer.data.safe_npz import read_npz

KEYS = ("positions_3d", "positions_2d")


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(np.array_equal(a, b))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=os.environ.get("LIFTFORMER_DATA", str(Path(__file__).parents[2] / "shared/data")))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = sorted(Path(args.data).rglob("*.npz"))
    if not files:
        print(f"skipped: no .npz under {args.data} (give DATA_DIR or set LIFTFORMER_DATA)")
        return 0
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    for path in files:
        with np.load(path, allow_pickle=True) as z:
            key = next(k for k in KEYS if k in z.files)
        plain, safe = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            with np.load(path, allow_pickle=True) as z:
                ref = z[key].item()
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ours = read_npz(str(path), key).item()
            safe.append(time.perf_counter() - t0)
        assert _same(ref, ours), f"{path}: safe_npz differs from np.load"
        mb = path.stat().st_size / 1e6
        print(f"{path.name} ({mb:.0f} MB, {key}): np.load {' / '.join(f'{t:.2f}' for t in plain)} s; "
              f"safe_npz {' / '.join(f'{t:.2f}' for t in safe)} s; identical arrays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
