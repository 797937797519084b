#!/usr/bin/env bash
# Behaviour fingerprint for refactors: a fixed-seed short training run of each model family on
# real HumanEva-I, then `evaluate`; prints the sha256 of the weights and of the evaluation tables.
# Run it before and after a change that must not alter behaviour: the hashes must match.
# Usage: benchmarks/behaviour_fingerprint.sh [OUT_DIR]   (data: $LIFTFORMER_DATA or ../shared/data)
set -euo pipefail
export OMP_NUM_THREADS=1  # one intra-op thread: identical float reductions on every run
DATA=${LIFTFORMER_DATA:-$(dirname "$0")/../../shared/data}
OUT=${1:-$(mktemp -d)}; mkdir -p "$OUT"
LIFTFORMER=${LIFTFORMER:-liftformer}  # e.g. "python -m liftformer.cli.main" with PYTHONPATH set to another checkout
if [ ! -f "$DATA/humaneva/data_3d_humaneva15.npz" ]; then
  echo "skipped: no HumanEva-I data in $DATA (set LIFTFORMER_DATA)"; exit 0
fi
D=(--dataset humaneva --data-3d "$DATA/humaneva/data_3d_humaneva15.npz" --data-2d "$DATA/humaneva/data_2d_humaneva15_gt.npz")
run() {  # name, model flags...
  local name=$1; shift
  rm -rf "$OUT/$name"
  $LIFTFORMER train "${D[@]}" "$@" --epochs 2 --subset 0.1 --batch-size 256 --seed 3 --out "$OUT/$name" > "$OUT/$name.train.log"
  $LIFTFORMER evaluate "${D[@]}" --checkpoint "$OUT/$name/final.safetensors" --subset 0.2 \
    --out "$OUT/$name.eval.json" | grep -v -e "evaluated in" -e "^wrote" > "$OUT/$name.eval.txt"
  $LIFTFORMER evaluate "${D[@]}" --checkpoint "$OUT/$name/final.safetensors" --subset 0.2 --no-flip \
    --out "$OUT/$name.eval.csv" > /dev/null
  # safetensors writes its metadata map in random order: hash the tensors and the sorted metadata instead
  python3 -c 'import hashlib, json, sys; from safetensors import safe_open
f = safe_open(sys.argv[1], "np"); h = hashlib.sha256(json.dumps(f.metadata(), sort_keys=True).encode())
[h.update(k.encode() + f.get_tensor(k).tobytes()) for k in sorted(f.keys())]; print(h.hexdigest(), " tensors+metadata of", sys.argv[2])' \
    "$OUT/$name/final.safetensors" "$name/final.safetensors"
  (cd "$OUT" && sha256sum "$name.eval.json" "$name.eval.txt" "$name.eval.csv")
}
run liftformer -n 9 --d-model 32 --heads 4 --blocks 2 --ffn 64 --noise-2d 0.005
run sequence -n 9 --d-model 32 --heads 4 --blocks 2 --ffn 64 --head sequence --causal
run tcn --arch tcn -n 9 --channels 32
