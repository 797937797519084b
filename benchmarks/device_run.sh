#!/usr/bin/env bash
# One command for the GPU machine (≤ 9.5 minutes with MINUTES=7): unpack the data, prepare GT 2D,
# train for MINUTES, evaluate the full Human3.6M protocol (S9+S11, every frame, flip TTA), and
# write OUT/summary.json, log.csv, curve.png, table.txt, run.log and the bf16 weights in ≤ 16 MiB
# shards (8 files at most, as the device tool brings back).
#
#   DATA=.device OUT=/tmp/out [VARIANT=gt243|gt27|sh243|shipped81] [MINUTES=7] bash benchmarks/device_run.sh
#   DRY_RUN=1 DATA=.device OUT=/tmp/dry bash benchmarks/device_run.sh   # the same steps on the CPU, tiny model, ~2-3 min
#
# DATA holds data_3d_h36m.pack (and data_2d_h36m_sh_pt_mpii.pack for sh243 and shipped81), made with
#   python ../shared/tools/devicepack.py pack ../shared/data/h36m/data_3d_h36m_17j.npz .device/data_3d_h36m.pack
#   python ../shared/tools/devicepack.py pack ../shared/data/h36m/data_2d_h36m_sh_pt_mpii.npz .device/data_2d_h36m_sh_pt_mpii.pack
#   cp ../shared/tools/devicepack.py .device/        # ../shared does not travel to the GPU machine
# .device/ is git-ignored (Human3.6M is never committed); carry it: run(carry=[".device"]).
# Variants: gt243 (default): GT 2D, n=243, sequence head, --recipe stable; gt27: the paper's centre
# head at n=27 with its recipe (--recipe paper, batch 5120); sh243: Stacked Hourglass detections
# (16 joints in), n=243, sequence head, --recipe stable; shipped81: the shipped centred model's network at
# n=81, started from its weights (--init), trained with its augmentation and 30% real SH detections (needs
# both packs; a fresh schedule, peak lr about the CPU fine-tuning run's of BENCHMARKS.md), scored on GT and
# SH (table_sh.txt). EXTRA="--flag value ..." is appended to train.
# The project is not pip-installed there: it runs from src/ (PYTHONPATH), with the machine's own torch.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder that receives the results}"
DATA=${DATA:-.device}
VARIANT=${VARIANT:-gt243}
DRY_RUN=${DRY_RUN:-0}
EPOCHS=${EPOCHS:-1000}
EXTRA=${EXTRA:-}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/device_run.XXXXXX")}
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
LF=("$PY" -m liftformer.cli.main)
mkdir -p "$OUT" "$WORK"
exec > >(tee -a "$OUT/run.log") 2>&1
PHASES="$WORK/phases.tsv"; : > "$PHASES"
T0=$SECONDS
phase() {  # run a step, log its wall time (its own stdout stays its own: evaluate's goes to the table)
  local name=$1 t=$SECONDS rc=0; shift
  echo "== $name: $*" >&2
  "$@" || rc=$?  # explicit: errexit does not hold inside `if ! phase ...`
  printf '%s\t%s\n' "$name" $((SECONDS - t)) >> "$PHASES"
  echo "== $name ended (status $rc) in $((SECONDS - t)) s (total $((SECONDS - T0)) s)" >&2
  return $rc
}

REAL=0  # 1: train with the real SH detections of the training subjects, score on them too
case $VARIANT in
  gt243) N=243; MODEL=(--head sequence); RECIPE=(--recipe stable --batch-size 512 --downsample 27); SRC=gt ;;
  gt27)  N=27;  MODEL=();                RECIPE=(--recipe paper);                                     SRC=gt ;;
  sh243) N=243; MODEL=(--head sequence); RECIPE=(--recipe stable --batch-size 512 --downsample 27); SRC=sh ;;
  shipped81) N=81; SRC=gt; REAL=1; : "${RESERVE:=190}"  # a second evaluation
    MODEL=(--d-model 128 --heads 8 --blocks 2 --ffn 512 --init src/liftformer/weights/liftformer_h36m_small.safetensors
           --virtual-cameras 0.5 --noise-model sh --noise-fraction 0.5 --noise-2d 0.005)
    RECIPE=(--recipe stable --lr-factor 0.5 --warmup 200 --cooldown 1 --batch-size 1024 --downsample 4) ;;
  *) echo "VARIANT must be gt243, gt27, sh243 or shipped81, got '$VARIANT'" >&2; exit 2 ;;
esac
if [ "$DRY_RUN" = 1 ]; then
  MINUTES=${MINUTES:-0.5}; DEVICE=cpu
  N=27
  RUNTIME=(--device cpu --threads "${THREADS:-2}")
  [ "${COMPILE:-0}" = 1 ] && RUNTIME+=(--compile)  # off: compiling on 2 CPU cores takes minutes
  TINY=(--d-model 32 --heads 2 --blocks 1 --ffn 64 --subset 0.05 --downsample 16 --batch-size 256 --val-downsample 50)
  [ "$REAL" = 1 ] && TINY=("${TINY[@]:8}")  # shipped81: the shipped network itself (0.41M), which --init needs
  RECIPE=("${RECIPE[0]}" "${RECIPE[1]}")  # keep --recipe NAME, drop the GPU batch and downsample
  EVAL=(--subset 0.02 --threads "${THREADS:-2}")
else
  MINUTES=${MINUTES:-7}; DEVICE=cuda
  RUNTIME=(--device cuda --bf16 --threads 8)
  [ "${COMPILE:-1}" = 1 ] && RUNTIME+=(--compile)
  TINY=(--val-downsample 50)
  EVAL=(--batch-size 4096 --device cuda)
fi
echo "device_run: variant $VARIANT, $MINUTES min of training on $DEVICE, dry run $DRY_RUN, work dir $WORK, $(date -u +%FT%TZ)"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available() and torch.cuda.get_device_name())"

DEVICEPACK=${DEVICEPACK:-}
for p in ../shared/tools/devicepack.py "$DATA/devicepack.py"; do
  [ -z "$DEVICEPACK" ] && [ -f "$p" ] && DEVICEPACK=$p
done
[ -n "$DEVICEPACK" ] || { echo "no devicepack.py: put a copy in $DATA/ or set DEVICEPACK" >&2; exit 2; }
[ -f "$DATA/data_3d_h36m.pack" ] || { echo "$DATA/data_3d_h36m.pack is missing (see the header of $0)" >&2; exit 2; }
phase unpack_3d "$PY" "$DEVICEPACK" unpack "$DATA/data_3d_h36m.pack" "$WORK/data_3d_h36m.npz"
phase prepare_gt "${LF[@]}" prepare h36m --from-3d "$WORK/data_3d_h36m.npz" --out "$WORK/data_2d_h36m_gt.npz"
SH="$WORK/data_2d_h36m_sh_pt_mpii.npz"
if [ "$SRC" = sh ] || [ "$REAL" = 1 ]; then
  [ -f "$DATA/data_2d_h36m_sh_pt_mpii.pack" ] || { echo "$DATA/data_2d_h36m_sh_pt_mpii.pack is missing" >&2; exit 2; }
  phase unpack_sh "$PY" "$DEVICEPACK" unpack "$DATA/data_2d_h36m_sh_pt_mpii.pack" "$SH"
fi
if [ "$SRC" = sh ]; then D2=$SH; else D2="$WORK/data_2d_h36m_gt.npz"; fi
[ "$REAL" = 1 ] && MODEL+=(--real-2d "$SH" --real-fraction 0.3)
DATA_ARGS=(--data-3d "$WORK/data_3d_h36m.npz" --data-2d "$D2")
# The whole command must end within DEADLINE s (the device tool's 600 s limit, less a margin): the
# training budget is cut so that RESERVE s remain for per-epoch validation and checkpoints (outside
# --max-minutes), evaluation and the summary.
DEADLINE=${DEADLINE:-570}; RESERVE=${RESERVE:-130}
budget() { "$PY" -c "import sys; m, left = float(sys.argv[1]), (int(sys.argv[2]) - int(sys.argv[3]) - int(sys.argv[4])) / 60
print(f'{max(0.2, min(m, left)):.2f}')" "$MINUTES" "$DEADLINE" $((SECONDS - T0)) "$RESERVE"; }
train() {  # run dir, extra flags
  local dir=$1; shift
  # shellcheck disable=SC2086  # EXTRA is a list of flags
  phase "train" "${LF[@]}" train "${DATA_ARGS[@]}" -n "$N" "${MODEL[@]}" "${RECIPE[@]}" "${TINY[@]}" "$@" \
    --max-minutes "$(budget)" --epochs "$EPOCHS" --out "$dir" $EXTRA
}
RUN="$WORK/run"
if ! train "$RUN" "${RUNTIME[@]}"; then
  case " ${RUNTIME[*]} " in
    *" --compile "*)  # torch.compile failed on this machine: train once more without it, in the time left
      echo "== training with --compile failed after $((SECONDS - T0)) s: once more without --compile" >&2
      RUN="$WORK/run_eager"; EAGER=()
      for a in "${RUNTIME[@]}"; do [ "$a" = --compile ] || EAGER+=("$a"); done
      RUNTIME=("${EAGER[@]}")
      train "$RUN" "${RUNTIME[@]}" ;;
    *) exit 1 ;;
  esac
fi
phase evaluate "${LF[@]}" evaluate "${DATA_ARGS[@]}" --checkpoint "$RUN/final.safetensors" "${EVAL[@]}" \
  --out "$WORK/eval.json" > "$WORK/table.txt"
cat "$WORK/table.txt"
if [ "$REAL" = 1 ]; then  # the shipped models' second yardstick: SH detections mapped to H36M-17
  phase evaluate_sh "${LF[@]}" evaluate --data-3d "$WORK/data_3d_h36m.npz" --data-2d "$SH" --to-h36m \
    --checkpoint "$RUN/final.safetensors" "${EVAL[@]}" > "$OUT/table_sh.txt"
  cat "$OUT/table_sh.txt"
fi
phase summary "$PY" benchmarks/device_summary.py summary --run "$RUN" --eval "$WORK/eval.json" \
  --table "$WORK/table.txt" --out "$OUT" --variant "$VARIANT" --phases "$PHASES" --device "$DEVICE"
echo "device_run: done in $((SECONDS - T0)) s; $OUT holds: $(ls "$OUT" | tr '\n' ' ')"
