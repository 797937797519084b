#!/usr/bin/env python3
"""How far a stream's per-line angles are from the angles written when the stream ends (the floor then fitted).

Runs ``liftformer lift VIDEO --stream --angles OUT.csv`` (the person followed: the default), reads each JSON line's
angles and the CSV's, and prints per angle the medians, the RMS difference and the largest step from line to line.

    python benchmarks/stream_angles.py .cache/pose2sim/Pose2Sim/Demo_MultiPerson/videos/cam02.mp4
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

NAMES = ("trunk_flexion", "trunk_lateral_lean", "pelvis_rotation", "shoulder_rotation", "knee_flexion_right",
         "hip_flexion_left", "elbow_flexion_left")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("video")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp, "angles.csv")
        run = subprocess.run([sys.executable, "-m", "liftformer.cli.main", "lift", str(Path(args.video).resolve()), "--stream", "--angles",
                              str(table), "--out", str(Path(tmp, "s.npz"))], capture_output=True, text=True, cwd=tmp)
        if run.returncode:
            print(run.stderr.strip().splitlines()[-1])
            return run.returncode
        lines = [json.loads(line) for line in run.stdout.splitlines()]
        rows = list(csv.DictReader(table.open()))
    print(f"{args.video}: {len(lines)} lines, {len(rows)} CSV rows; degrees")
    print("| angle | stream lines, median | CSV (floor fitted at the end), median | RMS difference | largest step between lines |")
    print("| --- | --- | --- | --- | --- |")
    for name in NAMES:
        line = np.array([np.nan if x["angles"][name] is None else x["angles"][name] for x in lines])
        end = np.array([float(r[name]) if r[name] else np.nan for r in rows])
        print(f"| {name} | {np.nanmedian(line):.1f} | {np.nanmedian(end):.1f} | {np.sqrt(np.nanmean((line - end) ** 2)):.1f} | "
              f"{np.nanmax(np.abs(np.diff(line))):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
