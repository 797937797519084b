#!/usr/bin/env bash
# Learned detector noise (--noise-model sh) against the hand-set jitter of the shipped recipe
# (--noise-2d 0.01 --outliers-2d 0.02), both trained on GT 2D of Human3.6M S1,S5,S6,S7,S8 under one
# fixed training-time budget, then scored on S9+S11 with SH detections (mapped MPII-16 -> H36M-17)
# (every frame) and with GT 2D (--subset 0.25: a contiguous quarter of every sequence, for time).
# Every (arm, seed) trains at once, one thread each, so all share the CPU alike.
# Usage: bash benchmarks/detector_noise_comparison.sh [DATA_DIR] [RUN_DIR] [MINUTES] [SEEDS...]
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/detector_noise}
MINUTES=${3:-10}
shift $(( $# < 3 ? $# : 3 )) || true
SEEDS=${*:-0}
source "$(dirname "$0")/h36m_data.sh"  # D3, GT (made once), SH; exits 0 without the data
MODEL="-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512"
# the shipped recipe with batch 128 (4x the updates per sample, for a budget of minutes on a shared CPU) and a
# Noam warm-up/factor scaled to match (peak learning rate 0.027 against 0.024)
OPT="--epochs 100 --max-minutes $MINUTES --batch-size 128 --downsample 16 --warmup 100 --lr-factor 3 --val-downsample 50 --threads 1"
declare -A ARMS=([jitter]="--noise-2d 0.01 --outliers-2d 0.02" [learned]="--noise-model sh")
pids=()
for SEED in $SEEDS; do
  for ARM in "${!ARMS[@]}"; do
    OUT="$RUNS/$ARM-s$SEED"
    liftformer train --dataset h36m --data-3d "$D3" --data-2d "$GT" $MODEL $OPT ${ARMS[$ARM]} --seed "$SEED" \
      --out "$OUT" > "$RUNS/$ARM-s$SEED.train.log" 2>&1 &
    pids+=($!)
  done
done
for p in "${pids[@]}"; do wait "$p"; done
pids=()
for SEED in $SEEDS; do
  for ARM in "${!ARMS[@]}"; do
    OUT="$RUNS/$ARM-s$SEED"
    ( liftformer evaluate --dataset h36m --checkpoint "$OUT/final.safetensors" --data-3d "$D3" --data-2d "$SH" --to-h36m \
        --threads 1 --out "$OUT/eval_sh.json" > "$OUT/eval_sh.log" 2>&1
      liftformer evaluate --dataset h36m --checkpoint "$OUT/final.safetensors" --data-3d "$D3" --data-2d "$GT" \
        --subset 0.25 --threads 1 --out "$OUT/eval_gt.json" > "$OUT/eval_gt.log" 2>&1 ) &
    pids+=($!)
  done
done
for p in "${pids[@]}"; do wait "$p"; done
for SEED in $SEEDS; do
  for ARM in "${!ARMS[@]}"; do
    OUT="$RUNS/$ARM-s$SEED"
    echo "== $ARM seed $SEED: $(tail -n 1 "$OUT/log.csv")"
    grep -m2 "^P[12] " "$OUT/eval_sh.log" | sed 's/^/SH: /' || true
    grep -m2 "^P[12] " "$OUT/eval_gt.log" | sed 's/^/GT: /' || true
  done
done
