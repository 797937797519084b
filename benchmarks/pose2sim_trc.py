#!/usr/bin/env python3
"""Whether Pose2Sim reads the ``.trc`` that ``liftformer lift --trc`` writes, with Pose2Sim's own reader.

Pose2Sim is not a dependency (it pulls OpenCV, c3d, anytree, …): its ``read_trc`` is taken from the wheel's
``Pose2Sim/common.py`` by its source alone (``ast``) and run on the file, with the pandas and numpy it uses (pandas must
be installed: ``pip install pandas``). Prints the markers, frames and times Pose2Sim sees against what was written.

    pip download --no-deps pose2sim==0.10.49 -d .cache/p2s
    liftformer lift src/liftformer/assets/demo_keypoints.json --out /tmp/w.npz --trc /tmp/w.trc
    python benchmarks/pose2sim_trc.py .cache/p2s/pose2sim-0.10.49-py3-none-any.whl /tmp/w.trc
"""

from __future__ import annotations

import argparse
import ast
import sys
import zipfile

import numpy as np


def pose2sim_read_trc(wheel: str):
    """Pose2Sim's ``read_trc`` function, from its source in ``wheel``, defined beside pandas and numpy alone."""
    import pandas as pd

    with zipfile.ZipFile(wheel) as z:
        source = z.read("Pose2Sim/common.py").decode()
    node = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == "read_trc")
    scope = {"pd": pd, "np": np}
    exec(compile(ast.Module([node], []), "Pose2Sim/common.py", "exec"), scope)  # noqa: S102 — a function's definition
    return scope["read_trc"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("wheel")
    p.add_argument("trc")
    args = p.parse_args()
    from liftformer.inference.opensim.markers import read_trc as ours

    try:
        data, frames, times, markers, header = pose2sim_read_trc(args.wheel)(args.trc)
    except ImportError:
        print("skipped: pandas is not installed (pip install pandas)")
        return 0
    written = ours(args.trc)
    values = data.to_numpy(dtype=np.float64).reshape(len(data), -1, 3)
    same = (tuple(markers) == written.names and np.allclose(values, written.markers, atol=1e-6)
            and np.allclose(times.to_numpy(), written.times, atol=1e-6))
    print(f"Pose2Sim's read_trc: {len(markers)} markers ({', '.join(markers)}), {len(data)} frames, "
          f"t = {times.iloc[0]:.4f}..{times.iloc[-1]:.4f} s, frame numbers {frames.iloc[0]}..{frames.iloc[-1]}; "
          f"header rates {header[2].split()[:3]}; the same markers, values and times as written: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
