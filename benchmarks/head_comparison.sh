#!/usr/bin/env bash
# Centre head (paper) vs sequence head (beyond the paper), same model, data and epochs, on HumanEva-I.
# Usage: bash benchmarks/head_comparison.sh [DATA_DIR] [RUN_DIR]
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/heads}
[ -f "$DATA/humaneva/data_3d_humaneva15.npz" ] || { echo "no HumanEva-I data under $DATA: skipping"; exit 0; }
D3="$DATA/humaneva/data_3d_humaneva15.npz"; D2="$DATA/humaneva/data_2d_humaneva15_gt.npz"
MODEL="-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512"
t() { /usr/bin/time -f "$1: %e s wall" "${@:2}"; }
for HEAD in centre sequence; do
  t "train $HEAD" liftformer train --dataset humaneva --data-3d "$D3" --data-2d "$D2" $MODEL --head $HEAD \
    --epochs 20 --batch-size 256 --out "$RUNS/$HEAD"
  t "evaluate $HEAD" liftformer evaluate --dataset humaneva --checkpoint "$RUNS/$HEAD/final.safetensors" \
    --data-3d "$D3" --data-2d "$D2" --out "$RUNS/$HEAD/eval.json"
done
