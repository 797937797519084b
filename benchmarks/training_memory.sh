#!/usr/bin/env bash
# Training memory: the peak resident memory and the time of the first training step of the paper's
# HumanEva-I command (docs/training/training.md: the 18.96M paper model, batch 5120) as the memory
# planner runs it, and of smaller
# batches with and without gradient accumulation, beside the planner's estimate. Each run stops after
# its first step (--max-minutes 0.01); /usr/bin/time -v gives the peak RSS of the whole process.
# Usage: benchmarks/training_memory.sh [OUT_DIR]   (data: $LIFTFORMER_DATA or ../shared/data)
set -euo pipefail
DATA=${LIFTFORMER_DATA:-$(dirname "$0")/../../shared/data}
OUT=${1:-$(mktemp -d)}; mkdir -p "$OUT"
if [ ! -f "$DATA/humaneva/data_3d_humaneva15.npz" ]; then
  echo "skipped: no HumanEva-I data in $DATA (set LIFTFORMER_DATA)"; exit 0
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1e6}' /proc/meminfo); torch $(python3 -c 'import torch; print(torch.__version__)')"
printf "| batch | micro-batches | planner's estimate of one pass | peak RSS (whole process: data, libraries, the pass) | first step |\n| --- | --- | --- | --- | --- |\n"
run() {  # name, flags...
  local name=$1; shift
  rm -rf "$OUT/$name"
  /usr/bin/time -v liftformer train --dataset humaneva --data-3d "$DATA/humaneva/data_3d_humaneva15.npz" \
    --data-2d "$DATA/humaneva/data_2d_humaneva15_gt.npz" --out "$OUT/$name" --max-minutes 0.01 --epochs 1 "$@" \
    > "$OUT/$name.log" 2> "$OUT/$name.time" || { echo "| $* | failed: see $OUT/$name.time | | | |"; return; }
  local rss step batch micro estimate
  rss=$(awk '/Maximum resident set size/ {printf "%.1f GB", $6 / 1e6}' "$OUT/$name.time")
  step=$(awk -F, 'NR == 2 {printf "%.0f s", $(NF - 1)}' "$OUT/$name/log.csv")
  batch=$(grep -o 'batch [0-9]*' "$OUT/$name.log" | head -1 | cut -d' ' -f2)
  micro=$(grep -o '[0-9]* micro-batches of [0-9]*' "$OUT/$name.log" || echo "1")
  case " $* " in *" --micro-batches "*) micro="$(echo "$*" | sed -E 's/.*--micro-batches ([0-9]+).*/\1/') (forced)";; esac
  estimate=$(python3 - "$batch" "$micro" <<'PY'
import sys, torch
from liftformer.model import LiftFormerConfig
from liftformer.model.registry import build_model
from liftformer.training.memory import SAVED_TO_PEAK, fixed_bytes, saved_bytes_per_window
batch, micro = int(sys.argv[1]), int(sys.argv[2].split()[0])
model = build_model(LiftFormerConfig(num_joints_in=15, num_joints_out=15))
per = SAVED_TO_PEAK * saved_bytes_per_window(model, torch.zeros(8, 27, 15, 2))
size = -(-batch // micro)
print(f"{(fixed_bytes(model, False) + per * size) / 1e9:.1f} GB for {size} windows")
PY
)
  echo "| $batch | $micro | $estimate | $rss | $step |"
}
run paper_auto                                   # the paper's HumanEva-I command: batch 5120, micro-batches as planned
run b1024_whole --batch-size 1024 --micro-batches 1
run b1024_four --batch-size 1024 --micro-batches 4
