#!/usr/bin/env bash
# Lift fingerprint for refactors of the inference pipeline: `liftformer lift` with every output
# (--json --csv --bvh --render) on the bundled demo keypoints, a synthetic two-person JSON
# (--person all), a synthetic three-person video (the MediaPipe detectors; needs the [video]
# extra) and, when given, more videos; prints the sha256 of every output file and of the
# command's stdout and stderr (timings masked). Run it before and after: the hashes must match.
# Usage: benchmarks/lift_fingerprint.sh OUT_DIR [VIDEO ...]
set -euo pipefail
export OMP_NUM_THREADS=1  # one intra-op thread: identical float reductions on every run
OUT=${1:?usage: lift_fingerprint.sh OUT_DIR [VIDEO ...]}; shift
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
LIFTFORMER=${LIFTFORMER:-liftformer}
cd "$OUT"
python3 - <<'PY'
import json
import numpy as np
from importlib import resources
from liftformer.data.synthetic import crossing_walkers

walkers = crossing_walkers(80, seed=3)  # (2, T, 17, 2) pixels
frames = [[{"keypoints": np.concatenate([p[t], np.full((17, 1), 0.9)], 1).round(2).ravel().tolist()} for p in walkers]
          for t in range(walkers.shape[1])]
json.dump({"layout": "h36m", "width": 1000, "height": 1000, "fps": 25, "frames": frames}, open("two_people.json", "w"))
open("demo.json", "w").write(resources.files("liftformer.assets").joinpath("demo_keypoints.json").read_text())
PY
python3 "$HERE/people_clip.py" people.mp4 --people 3 --frames 40 --size 960x540 > /dev/null
lift() {  # name, input, extra flags...
  local name=$1 input=$2; shift 2
  $LIFTFORMER lift "$input" --out "out_$name.npz" --json --csv --bvh "out_$name.bvh" --render "out_$name.mp4" "$@" \
    > "$name.stdout" 2> "$name.stderr.raw" || echo "exit $?" >> "$name.stderr.raw"
  sed -E -e 's/[0-9.]+ s with/N s with/' -e 's/[0-9.]+ ?(frame|it)s?\/s/N/g' "$name.stderr.raw" | tr '\r' '\n' \
    | grep -v -e '^detecting people' -e '^render' > "$name.stderr"
  sed -E -i 's/in [0-9.]+ s with/in N s with/' "$name.stdout"
  rm "$name.stderr.raw"
}
lift demo demo.json
lift two two_people.json --person all
lift people people.mp4 --person all
i=0
for video in "$@"; do i=$((i + 1)); lift "video$i" "$video" --person all; done
sha256sum $(ls | grep -v -e '^two_people.json$' -e '^demo.json$' -e '^people.mp4$' | sort)
