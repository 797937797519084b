#!/usr/bin/env bash
# Batch throughput (issue 35): a loop of `liftformer lift` against `liftformer batch --workers 1` and `--workers 2` over one
# corpus, the same lift flags (--person all), on this machine; wall time of each and inputs per hour / frames per second.
# Corpus (git-ignored): Demo_MultiPerson's 4 videos and 16 jittered copies of the bundled walk, in .cache/batch_corpus
# (see BENCHMARKS.md for how it was made). Usage: bash benchmarks/batch_throughput.sh [CORPUS]
set -euo pipefail
corpus=${1:-.cache/batch_corpus}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count=$(find "$corpus" -type f \( -name '*.mp4' -o -name '*.json' \) | wc -l)
frames=0
for f in $(find "$corpus" -type f \( -name '*.mp4' -o -name '*.json' \) | sort); do
  case "$f" in *.mp4) n=100;; *) n=150;; esac
  frames=$((frames + n))
done
echo "$(uname -m), $(nproc) cores; $count inputs, $frames frames; liftformer $(python3 -c 'import liftformer; print(liftformer.__version__)')"
t0=$(date +%s.%N)
for f in $(find "$corpus" -type f \( -name '*.mp4' -o -name '*.json' \) | sort); do
  liftformer lift "$f" --person all --out "$out/loop/$(basename "${f%.*}")_3d.npz" > /dev/null 2>&1
done
t1=$(date +%s.%N)
liftformer batch "$corpus" --out "$out/w1" --person all --workers 1 > /dev/null 2>&1 || true
t2=$(date +%s.%N)
liftformer batch "$corpus" --out "$out/w2" --person all --workers 2 > /dev/null 2>&1 || true
t3=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$t3" "$count" "$frames" <<'PY'
import sys
t0, t1, t2, t3, count, frames = map(float, sys.argv[1:])
loop = t1 - t0
for name, s in (("lift, one after another", loop), ("batch --workers 1", t2 - t1), ("batch --workers 2", t3 - t2)):
    print(f"| {name} | {s:.1f} s | {count * 3600 / s:.0f} | {frames / s:.1f} | {loop / s:.2f} |")
PY
