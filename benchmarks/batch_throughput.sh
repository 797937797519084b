#!/usr/bin/env bash
# Batch throughput (issue 35): a loop of `liftformer lift` against `liftformer batch --workers 1`, `--workers 2` and `--ray` over one
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
# --ray on a local 2-node cluster (a head and a second node, one CPU each), inside a network namespace of its own (only
# the loopback): the cluster is started before the clock starts and stopped after it stops
cat > "$out/ray.sh" <<SH
set -u
ip link set lo up
mine=/tmp/lfray-\$\$
trap 'pkill -9 -f "\$mine" > /dev/null 2>&1; rm -rf "\$mine"' EXIT
ray start --head --node-ip-address=127.0.0.1 --port=6399 --num-cpus=1 --include-dashboard=false --disable-usage-stats --temp-dir="\$mine" > /dev/null 2>&1
ray start --address=127.0.0.1:6399 --node-ip-address=127.0.0.1 --num-cpus=1 --disable-usage-stats > /dev/null 2>&1
s=\$(date +%s.%N)
liftformer batch "$corpus" --out "$out/ray" --person all --ray 127.0.0.1:6399 > /dev/null 2>&1 || true
echo "\$s \$(date +%s.%N)" > "$out/ray.times"
SH
unshare -n bash "$out/ray.sh"
read r0 r1 < "$out/ray.times"
python3 - "$t0" "$t1" "$t2" "$t3" "$r0" "$r1" "$count" "$frames" <<'PY'
import sys
t0, t1, t2, t3, r0, r1, count, frames = map(float, sys.argv[1:])
loop = t1 - t0
for name, s in (("lift, one after another", loop), ("batch --workers 1", t2 - t1), ("batch --workers 2", t3 - t2),
                ("batch --ray, 2 local nodes of 1 CPU", r1 - r0)):
    print(f"| {name} | {s:.1f} s | {count * 3600 / s:.0f} | {frames / s:.1f} | {loop / s:.2f} |")
print(f"Ray against the local pool of 2: {100 * ((r1 - r0) / (t3 - t2) - 1):+.1f}% wall time")
PY
