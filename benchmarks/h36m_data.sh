# Sourced by the benchmark scripts that train on Human3.6M, with DATA and RUNS set: exits 0 with a note when
# the data is absent, else names the files (D3: 3D poses; SH: Stacked Hourglass detections; GT: ground-truth
# 2D, made once under RUNS by `liftformer prepare`).
[ -f "$DATA/h36m/data_3d_h36m_17j.npz" ] || { echo "no Human3.6M data under $DATA: skipping"; exit 0; }
mkdir -p "$RUNS"
D3="$DATA/h36m/data_3d_h36m_17j.npz"
GT="$RUNS/data_2d_h36m_gt.npz"
SH="$DATA/h36m/data_2d_h36m_sh_pt_mpii.npz"
[ -f "$GT" ] || liftformer prepare h36m --from-3d "$D3" --out "$GT"
