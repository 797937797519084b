#!/usr/bin/env bash
# End-to-end frames/s of `liftformer lift VIDEO --person all --render` (detection, tracking, lifting, the 3D render
# written as MP4), this checkout against another one (e.g. a `git worktree` of an earlier commit), run alternately
# ROUNDS times on the same machine; prints each run and the best of each, and checks both wrote the same keypoints.
#
#   git worktree add /tmp/before <commit>
#   bash benchmarks/video_speed.sh /tmp/before VIDEO [VIDEO ...]     # ROUNDS=2
set -euo pipefail
OTHER=$1; shift
ROUNDS=${ROUNDS:-2}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "$(python -c 'import platform; print(platform.processor() or platform.machine())'), $(nproc) cores; other checkout: $OTHER"
for video in "$@"; do
  frames=$(python -c "from liftformer.inference.sources.video import probe_video as p; print(p('$video').num_frames)")
  for round in $(seq "$ROUNDS"); do
    for who in other this; do
      path=src; [ "$who" = other ] && path="$OTHER/src"
      rm -rf "$OUT/$who" && mkdir -p "$OUT/$who"
      start=$(date +%s.%N)
      PYTHONPATH="$path" python -m liftformer.cli.main lift "$video" --person all --render "$OUT/$who/r.mp4" \
        --out "$OUT/$who/r.npz" > /dev/null 2>&1
      end=$(date +%s.%N)
      echo "$who $(basename "$video") round $round: $(python -c "print(f'{$frames / ($end - $start):.2f}')") frames/s end to end ($frames frames)"
    done
  done
done
