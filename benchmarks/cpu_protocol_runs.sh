#!/usr/bin/env bash
# The issue-3 end-to-end check on real data, CPU only: prepare + train + evaluate, small model,
# few epochs, on Human3.6M (ground-truth 2D and SH detections) and HumanEva-I.
# Usage: bash benchmarks/cpu_protocol_runs.sh [DATA_DIR (default ../shared/data)] [RUN_DIR (default runs/cpu)]
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/cpu}
[ -f "$DATA/h36m/data_3d_h36m_17j.npz" ] || { echo "no Human3.6M data under $DATA: skipping"; exit 0; }
mkdir -p "$RUNS"
MODEL="-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512"
t() { /usr/bin/time -f "$1: %e s wall" "${@:2}"; }

t "prepare h36m" liftformer prepare h36m --from-3d "$DATA/h36m/data_3d_h36m_17j.npz" --out "$RUNS/data_2d_h36m_gt.npz"

t "train humaneva" liftformer train --dataset humaneva --data-3d "$DATA/humaneva/data_3d_humaneva15.npz" \
  --data-2d "$DATA/humaneva/data_2d_humaneva15_gt.npz" $MODEL --epochs 20 --batch-size 256 --out "$RUNS/humaneva"
t "evaluate humaneva" liftformer evaluate --dataset humaneva --checkpoint "$RUNS/humaneva/best.safetensors" \
  --data-3d "$DATA/humaneva/data_3d_humaneva15.npz" --data-2d "$DATA/humaneva/data_2d_humaneva15_gt.npz" \
  --out "$RUNS/humaneva/eval.json"

for SRC in gt sh_pt_mpii; do
  if [ $SRC = gt ]; then D2="$RUNS/data_2d_h36m_gt.npz"; else D2="$DATA/h36m/data_2d_h36m_sh_pt_mpii.npz"; fi
  t "train h36m $SRC" liftformer train --dataset h36m --data-3d "$DATA/h36m/data_3d_h36m_17j.npz" --data-2d "$D2" \
    $MODEL --epochs 4 --batch-size 512 --downsample 20 --out "$RUNS/h36m_$SRC"
  t "evaluate h36m $SRC" liftformer evaluate --dataset h36m --checkpoint "$RUNS/h36m_$SRC/best.safetensors" \
    --data-3d "$DATA/h36m/data_3d_h36m_17j.npz" --data-2d "$D2" --out "$RUNS/h36m_$SRC/eval.json"
done
