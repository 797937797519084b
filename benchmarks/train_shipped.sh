#!/usr/bin/env bash
# Train the two models shipped in src/liftformer/weights/ (centred and causal) and score them: Human3.6M
# S9+S11 with GT 2D and with SH detections (MPII-16 → H36M-17), and `evaluate --suite generalisation`.
#
#   bash benchmarks/train_shipped.sh [DATA_DIR] [RUN_DIR]        # MINUTES=80 of training per model
#
# Training data: Human3.6M S1 S5 S6 S7 S8, GT 2D; half the windows re-projected through random virtual
# cameras (--virtual-cameras 0.5), half given the learned SH detector noise (--noise-model sh
# --noise-fraction 0.5), the others a light jitter. Weights: the EMA at the end of the budget.
# The shipped models were trained in sittings of one run each (2-core CPU): MINUTES=200 COOLDOWN=0.35 (80 minutes of it
# first, without the cool-down), then the centred run alone with MINUTES=320 COOLDOWN=0.375 REAL=0.3, then both with
# MINUTES_CENTRED=400 COOLDOWN_CENTRED=0.2 MINUTES_CAUSAL=280 COOLDOWN_CAUSAL=0.2857 REAL=0.3: centred version 5
# (29,512 steps) and causal version 4 (20,207 steps), then the centred run alone with MINUTES_CENTRED=470
# COOLDOWN_CENTRED=0.14894 REAL=0.3: centred version 6 (35,581 steps), then both with MINUTES_CENTRED=550
# COOLDOWN_CENTRED=0.14545 MINUTES_CAUSAL=360 COOLDOWN_CAUSAL=0.2222 REAL=0.3: centred version 7 (40,853 steps) and causal
# version 5 (25,556 steps); see the model card. On a CPU the two models train side by side, one
# core and one thread each (taskset where present); with DEVICE=cuda they train one after the other.
# A run directory that already holds a model's last.pt is resumed: MINUTES is then the run's total, so a
# budget can be given in sittings (a run past its budget trains no further, and is scored again).
# Env: MINUTES (training budget per model), COOLDOWN (fraction of MINUTES over which the lr falls linearly
# to 0; default 0), MINUTES_CENTRED / MINUTES_CAUSAL and COOLDOWN_CENTRED / COOLDOWN_CAUSAL (one model's own; default
# MINUTES and COOLDOWN), REAL (fraction of windows given the real SH detections of the training subjects; default 0), DEVICE (cpu|cuda), SUITE_DOWNSAMPLE (suite: every k-th frame).
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/shipped}
MINUTES=${MINUTES:-80}
COOLDOWN=${COOLDOWN:-0}
REAL=${REAL:-0}
DEVICE=${DEVICE:-cpu}
SUITE_DOWNSAMPLE=${SUITE_DOWNSAMPLE:-4}
source "$(dirname "$0")/h36m_data.sh"  # D3, GT (made once), SH; exits 0 without the data
MODEL="-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512"
MINUTES_CENTRED=${MINUTES_CENTRED:-$MINUTES}; MINUTES_CAUSAL=${MINUTES_CAUSAL:-$MINUTES}
COOLDOWN_CENTRED=${COOLDOWN_CENTRED:-$COOLDOWN}; COOLDOWN_CAUSAL=${COOLDOWN_CAUSAL:-$COOLDOWN}
opt() {  # opt MINUTES COOLDOWN
  echo "--epochs 1000 --max-minutes $1 --cooldown $2 --batch-size 512 --downsample 4 --val-downsample 40
        --warmup 500 --lr-factor 6 --clip-grad 1 --ema 0.999 --seed 0"
}
AUG="--virtual-cameras 0.5 --noise-model sh --noise-fraction 0.5 --noise-2d 0.005"
[ "$REAL" = 0 ] || AUG="$AUG --real-2d $SH --real-fraction $REAL"  # real SH detections on this fraction of windows

pin() {  # pin CORE CMD...: one core, one thread on a CPU; as is on a GPU
  local core=$1; shift
  if [ "$DEVICE" = cpu ]; then
    if command -v taskset >/dev/null; then OMP_NUM_THREADS=1 taskset -c "$core" "$@" --threads 1; else OMP_NUM_THREADS=1 "$@" --threads 1; fi
  else "$@" --device "$DEVICE"; fi
}
exec 3>&1  # wall times go to the script's own stdout, not into the logs each command writes
t() { local s=$SECONDS; "${@:2}"; echo "$1: $((SECONDS - s)) s wall" >&3; }

train() {  # train KIND CORE
  local flag="" minutes=$MINUTES_CENTRED cooldown=$COOLDOWN_CENTRED
  [ "$1" = causal ] && { flag="--causal"; minutes=$MINUTES_CAUSAL; cooldown=$COOLDOWN_CAUSAL; }
  [ -f "$RUNS/$1/last.pt" ] && flag="$flag --resume"  # goes on up to the model's MINUTES of training; does nothing past them
  t "train $1" pin "$2" liftformer train --dataset h36m --data-3d "$D3" --data-2d "$GT" $MODEL $flag $(opt "$minutes" "$cooldown") $AUG \
    --out "$RUNS/$1" >> "$RUNS/$1.train.log" 2>&1
}
score() {  # score KIND CORE
  local ck="$RUNS/$1/final.safetensors"
  t "evaluate $1 gt" pin "$2" liftformer evaluate --dataset h36m --checkpoint "$ck" --data-3d "$D3" --data-2d "$GT" \
    --out "$RUNS/$1/eval_gt.json" > "$RUNS/$1/eval_gt.txt"
  t "evaluate $1 sh" pin "$2" liftformer evaluate --dataset h36m --checkpoint "$ck" --data-3d "$D3" --data-2d "$SH" \
    --to-h36m --out "$RUNS/$1/eval_sh.json" > "$RUNS/$1/eval_sh.txt"
  t "suite $1" pin "$2" liftformer evaluate --suite generalisation --checkpoint "$ck" --data-root "$DATA" \
    --downsample "$SUITE_DOWNSAMPLE" --out "$RUNS/$1/suite.json" > "$RUNS/$1/suite.txt"
}

if [ "$DEVICE" = cpu ]; then
  train centred 0 & train causal 1 & wait
  score centred 0 & score causal 1 & wait
else
  train centred 0; train causal 0; score centred 0; score causal 0
fi
for k in centred causal; do echo "== $k"; tail -n 3 "$RUNS/$k/eval_gt.txt" "$RUNS/$k/eval_sh.txt"; cat "$RUNS/$k/suite.txt"; done
