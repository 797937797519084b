#!/usr/bin/env bash
# Accuracy under a fixed training-time budget on this CPU: LiftFormer centre head (paper) vs sequence head
# vs VideoPose3D's TCN (27-frame receptive field), on HumanEva-I (GT 2D, P-MPJPE, Table 5 protocol) and on
# Human3.6M (GT 2D projected from the 3D, --downsample 32, P1/P2). Two lanes run side by side, each pinned to
# one core with one thread, so that all six runs get the same machine share.
# Usage: bash benchmarks/fixed_budget.sh [DATA_DIR] [RUN_DIR] [MINUTES]
# Then:  python benchmarks/time_to_accuracy.py RUN_DIR   (curves and tables)
set -euo pipefail
DATA=${1:-${LIFTFORMER_DATA:-../shared/data}}
RUNS=${2:-runs/budget}
MIN=${3:-20}
[ -f "$DATA/humaneva/data_3d_humaneva15.npz" ] || { echo "no HumanEva-I data under $DATA: skipping"; exit 0; }
source "$(dirname "$0")/h36m_data.sh"  # D3, GT (made once); exits 0 without the Human3.6M data
HE=(--dataset humaneva --data-3d "$DATA/humaneva/data_3d_humaneva15.npz" --data-2d "$DATA/humaneva/data_2d_humaneva15_gt.npz")
H36=(--dataset h36m --data-3d "$D3" --data-2d "$GT")
LF=(-n 27 --d-model 128 --heads 8 --blocks 2 --ffn 512 --warmup 500 --lr-factor 6)
TCN=(--arch tcn -n 27 --lr 1e-3 --lr-decay 0.95)
export OMP_NUM_THREADS=1

job() {  # job CORE NAME DATASET-ARGS... -- TRAIN-ONLY-ARGS...   (a finished step is skipped on a rerun)
  local core=$1 name=$2; shift 2
  local data=(); while [ "$1" != "--" ]; do data+=("$1"); shift; done; shift
  if ! grep -qs "^done in" "$RUNS/$name.train.log"; then
    rm -rf "${RUNS:?}/$name"
    taskset -c "$core" liftformer train "${data[@]}" "$@" --max-minutes "$MIN" --epochs 100000 --threads 1 \
      --out "$RUNS/$name" > "$RUNS/$name.train.log" 2>&1
  fi
  [ -f "$RUNS/$name/eval.json" ] || taskset -c "$core" /usr/bin/time -f "evaluate: %e s wall" liftformer evaluate \
    "${data[@]}" --checkpoint "$RUNS/$name/final.safetensors" --out "$RUNS/$name/eval.json" > "$RUNS/$name.eval.log" 2>&1
}

lane0() {
  job 0 humaneva_centre "${HE[@]}" -- "${LF[@]}" --batch-size 256
  job 0 humaneva_sequence "${HE[@]}" -- "${LF[@]}" --head sequence --batch-size 256
  job 0 h36m_tcn "${H36[@]}" -- "${TCN[@]}" --downsample 32 --batch-size 512
}
lane1() {
  job 1 humaneva_tcn "${HE[@]}" -- "${TCN[@]}" --batch-size 256
  job 1 h36m_centre "${H36[@]}" -- "${LF[@]}" --downsample 32 --batch-size 512
  job 1 h36m_sequence "${H36[@]}" -- "${LF[@]}" --head sequence --downsample 32 --batch-size 512
}
lane0 & lane1 & wait
echo "done: $RUNS"
