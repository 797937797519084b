#!/usr/bin/env bash
# A long real video for speed runs: Demo_MultiPerson's cameras one after another, ROUNDS times (default: all four,
# 3 times: 1,200 frames of 1088x1920 at 60 fps, two people and, on cam01 and cam02, a bystander far back),
# stream-copied (no re-encode) by the ffmpeg inside imageio-ffmpeg.
#
#   bash benchmarks/long_clip.sh [OUT.mp4]     # default .cache/long/demo_multiperson_x3.mp4
#   CAMS="03 04" ROUNDS=6 bash benchmarks/long_clip.sh .cache/long/two_people_x6.mp4   # the two people alone
set -euo pipefail
DEMO=${DEMO:-.cache/pose2sim/Pose2Sim/Demo_MultiPerson}
OUT=${1:-.cache/long/demo_multiperson_x${ROUNDS:-3}.mp4}
[ -d "$DEMO/videos" ] || { echo "$DEMO/videos: no such folder (see benchmarks/pose2sim_clip.py for the clip)" >&2; exit 2; }
FFMPEG=$(python -c 'import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())')
mkdir -p "$(dirname "$OUT")"
LIST=$(mktemp)
trap 'rm -f "$LIST"' EXIT
for _ in $(seq "${ROUNDS:-3}"); do
  for cam in ${CAMS:-01 02 03 04}; do echo "file '$(realpath "$DEMO/videos/cam$cam.mp4")'" >> "$LIST"; done
done
"$FFMPEG" -hide_banner -loglevel error -y -f concat -safe 0 -i "$LIST" -an -c copy "$OUT"
python -c "from liftformer.inference.sources.video import probe_video as p; i = p('$OUT'); print(f'$OUT: {i.width}x{i.height}, {i.num_frames} frames at {i.fps:g} fps')"
