#!/usr/bin/env bash
# The Go client's suite (clients/scenarios.md) against a real seatd: SEATD_BIN, or one built with swift build.
set -euo pipefail
if ! command -v go >/dev/null 2>&1; then
    echo "clients/go: go is not installed (apt-get install golang-go); skipped"
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${SEATD_BIN:-}" ]; then
    (cd "$root" && swift build --product seatd)
    SEATD_BIN="$root/.build/debug/seatd"
fi
export SEATD_BIN
# Standard library only: never reach for a module proxy or a newer toolchain.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off
# Debian's go caches under $HOME; CI and sandboxes may not let it write there.
if [ -z "${HOME:-}" ] || ! [ -w "${HOME}" ]; then
    export GOCACHE=${GOCACHE:-/tmp/seatd-go-cache} GOPATH=${GOPATH:-/tmp/seatd-go-path}
fi
if ! command -v etcd >/dev/null 2>&1; then
    echo "clients/go: etcd is not installed: TestClusterRouting skips (MOVED and TRYAGAIN are then shown by the parser's unit tests only)"
fi
cd "$here"
go vet ./...
go test -count=1 ./...
