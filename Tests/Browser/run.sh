#!/usr/bin/env bash
# The seat-map page in headless Chromium against a real seatd (Tests/Browser/seatmap_test.py, docs/http.md):
# SEATD_BIN, or .build/debug/seatd (built with swift build when missing). Without chromium it says SKIP and passes.
# SEATD_BROWSER_MOCK=1 serves the HTTP routes with Tests/Browser/mock_server.py instead of seatd's own port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "seatmap: SKIP: python3 is not installed"
    exit 0
fi
if [ -z "${SEATD_BIN:-}" ]; then
    [ -x "$root/.build/debug/seatd" ] || (cd "$root" && swift build)
    SEATD_BIN="$root/.build/debug/seatd"
fi
export SEATD_BIN
exec python3 "$here/seatmap_test.py"
