#!/bin/sh
# Regenerates the README's picture of the demo report (docs/report.png) from the current report, with headless
# Chromium (Debian package `chromium`): `make demo && scripts/screenshot-report.sh`.
# Usage: scripts/screenshot-report.sh [REPORT_HTML] [OUT_PNG] [WIDTH,HEIGHT]
set -eu
REPORT=${1:-runs/demo/report.html}
OUT=${2:-docs/report.png}
SIZE=${3:-1280,1700}
CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROMIUM" ]; then
    echo "screenshot: no chromium; install it with: apt-get install -y chromium" >&2
    exit 1
fi
if [ ! -f "$REPORT" ]; then
    echo "screenshot: $REPORT not found (run make demo first)" >&2
    exit 1
fi
# --no-sandbox: containers often run as root, where Chromium's sandbox refuses to start.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$SIZE" --screenshot="$(realpath -m "$OUT")" "file://$(realpath "$REPORT")" 2>/dev/null
echo "screenshot: $REPORT -> $OUT"
