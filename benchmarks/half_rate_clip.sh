#!/usr/bin/env bash
# Demo_MultiPerson at half its frame rate (30 fps, every other frame, 50 a camera), as a Pose2Sim clip that
# real_yardstick.py reads (--demo): the same calibration, the videos re-encoded near-losslessly (x264 crf 12) by the
# ffmpeg inside imageio-ffmpeg. For checking what holds over a frame at 60 fps over two frames' time at 30.
#
#   bash benchmarks/half_rate_clip.sh [OUT_DIR]     # default .cache/demo30/Demo_MultiPerson30
set -euo pipefail
DEMO=${DEMO:-.cache/pose2sim/Pose2Sim/Demo_MultiPerson}
OUT=${1:-.cache/demo30/Demo_MultiPerson30}
[ -d "$DEMO/videos" ] || { echo "$DEMO/videos: no such folder (see benchmarks/pose2sim_clip.py for the clip)" >&2; exit 2; }
FFMPEG=$(python -c 'import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())')
mkdir -p "$OUT/videos" "$OUT/calibration"
cp "$DEMO"/calibration/*.qca.txt "$OUT/calibration/"
for video in "$DEMO"/videos/*.mp4; do
  "$FFMPEG" -hide_banner -loglevel error -y -i "$video" -vf "select=not(mod(n\,2)),setpts=N/30/TB" -r 30 -an \
    -c:v libx264 -crf 12 -preset veryfast "$OUT/videos/$(basename "$video")"
done
echo "$OUT: $(ls "$OUT/videos" | wc -l) videos at 30 fps"
