#!/usr/bin/env bash
# Train the two models shipped in src/liftformer/weights/ on this CPU (Human3.6M S1,S5,S6,S7,S8; GT 2D
# with detector-like noise), then score them on S9+S11 with GT 2D and with the SH detections
# mapped MPII-16 → H36M-17. Usage: bash benchmarks/train_shipped.sh [DATA_DIR] [RUN_DIR]
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/shipped}
[ -f "$DATA/h36m/data_3d_h36m_17j.npz" ] || { echo "no Human3.6M data under $DATA: skipping"; exit 0; }
mkdir -p "$RUNS"
D3="$DATA/h36m/data_3d_h36m_17j.npz"
GT="$RUNS/data_2d_h36m_gt.npz"
SH="$DATA/h36m/data_2d_h36m_sh_pt_mpii.npz"
[ -f "$GT" ] || liftformer prepare h36m --from-3d "$D3" --out "$GT"
MODEL="-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512"
OPT="--epochs 4 --batch-size 512 --downsample 16 --warmup 500 --lr-factor 6 --noise-2d 0.01 --outliers-2d 0.02"
t() { /usr/bin/time -f "$1: %e s wall" "${@:2}"; }
for KIND in centred causal; do
  FLAG=""; [ $KIND = causal ] && FLAG="--causal"
  t "train $KIND" liftformer train --dataset h36m --data-3d "$D3" --data-2d "$GT" $MODEL $FLAG $OPT --out "$RUNS/$KIND"
  t "evaluate $KIND gt" liftformer evaluate --dataset h36m --checkpoint "$RUNS/$KIND/final.safetensors" \
    --data-3d "$D3" --data-2d "$GT" --out "$RUNS/$KIND/eval_gt.json"
  t "evaluate $KIND sh" liftformer evaluate --dataset h36m --checkpoint "$RUNS/$KIND/final.safetensors" \
    --data-3d "$D3" --data-2d "$SH" --to-h36m --out "$RUNS/$KIND/eval_sh.json"
done
