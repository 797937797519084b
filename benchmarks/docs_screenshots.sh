#!/usr/bin/env bash
# The documentation site as a reader sees it: builds it (mkdocs build --strict, the [docs] extra) into a
# git-ignored folder and takes headless Chromium screenshots of some pages (Debian's chromium; no network: the
# pages are opened from disk, inside a network namespace of their own where unshare allows it).
# Usage: bash benchmarks/docs_screenshots.sh [PAGE.html ...]   (default: the home page and two guides)
# Writes .cache/docs_shots/<page>.png at 1280×900, <page>_long.png at 1280×3000 and <page>_phone.png at 390×844.
set -euo pipefail
cd "$(dirname "$0")/.."
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || { echo "docs_screenshots: no chromium on PATH (Debian: apt-get install chromium): skipping"; exit 0; }
OUT=.cache/docs_shots
SITE=$OUT/site
rm -rf "$OUT" && mkdir -p "$OUT"
python3 -m mkdocs build --strict --quiet --site-dir "$SITE"
NET=()
if unshare -n true 2>/dev/null; then NET=(unshare -n); fi
[ $# -gt 0 ] || set -- index.html guide/lift_video.html reference/cli.html

shot() {  # shot PAGE NAME WIDTH,HEIGHT
  local profile
  profile=$(mktemp -d)
  timeout 60 "${NET[@]}" "$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$3" --screenshot="$OUT/$2.png" "file://$PWD/$SITE/$1" > /dev/null 2>&1
  rm -rf "$profile"
  echo "$OUT/$2.png"
}

for page in "$@"; do
  [ -f "$SITE/$page" ] || { echo "docs_screenshots: no page $page in the site" >&2; exit 2; }
  name=${page%.html}
  name=${name//\//_}
  shot "$page" "$name" 1280,900
  shot "$page" "${name}_long" 1280,3000
  shot "$page" "${name}_phone" 390,844
done
