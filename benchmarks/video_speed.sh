#!/usr/bin/env bash
# End-to-end frames/s of `liftformer lift VIDEO --person all [--render]` (decode, detection, tracking, lifting and,
# with RENDER=1, the render written as MP4), this checkout against another one (e.g. a `git worktree` of an earlier
# commit), run alternately ROUNDS times on the same machine. Prints each run (wall and CPU seconds, the person-frames
# its npz outputs hold, interpolated ones left out), then per video the median of each side, their ratio and frames/s.
#
#   git worktree add /tmp/before <commit>
#   bash benchmarks/video_speed.sh /tmp/before VIDEO [VIDEO ...]     # ROUNDS=2 RENDER=1 DETECTOR=fused
set -euo pipefail
OTHER=$1; shift
ROUNDS=${ROUNDS:-2}
RENDER=${RENDER:-1}
DETECTOR=${DETECTOR:-fused}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "$(python -c 'from liftformer.timing import hardware_description as h; print(h())'), $(nproc) cores;" \
  "other checkout: $OTHER ($(git -C "$OTHER" rev-parse --short HEAD)); this: $(git rev-parse --short HEAD);" \
  "detector $DETECTOR; render: $RENDER; load before: $(cut -d' ' -f1 /proc/loadavg)"
for video in "$@"; do
  frames=$(python -c "from liftformer.inference.sources.video import probe_video as p; print(p('$video').num_frames)")
  for round in $(seq "$ROUNDS"); do
    for who in other this; do
      path=src; [ "$who" = other ] && path="$OTHER/src"
      rm -rf "${OUT:?}/$who" && mkdir -p "$OUT/$who"
      extra=(); [ "$RENDER" = 1 ] && extra=(--render "$OUT/$who/r.mp4")
      /usr/bin/time -f "%e %U %S" -o "$OUT/time" env PYTHONPATH="$path" python -m liftformer.cli.main lift "$video" \
        --person all --detector "$DETECTOR" --out "$OUT/$who/r.npz" "${extra[@]}" > /dev/null 2>&1
      read -r wall user sys < "$OUT/time"
      found=$(python -c "
import glob, numpy as np
print(sum(int((~np.load(f)['interpolated'].all(1)).sum()) for f in glob.glob('$OUT/$who/*.npz')))")
      echo "$who $(basename "$video") round $round: $wall s wall, $(python -c "print(round($user + $sys, 1))") s CPU, $found person-frames"
      echo "$(basename "$video") $who $wall" >> "$OUT/times"
    done
  done
  python - "$OUT/times" "$(basename "$video")" "$frames" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
video, frames = sys.argv[2], int(sys.argv[3])
side = {who: statistics.median(float(t) for v, w, t in rows if v == video and w == who) for who in ("other", "this")}
print(f"{video}: median {side['other']:.2f} s other, {side['this']:.2f} s this: this takes {side['this'] / side['other']:.2f}x "
      f"the time ({side['other'] / side['this']:.2f}x faster); {frames / side['other']:.1f} -> {frames / side['this']:.1f} frames/s")
EOF
done
