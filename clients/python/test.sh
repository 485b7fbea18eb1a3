#!/usr/bin/env bash
# The python client's suite (clients/scenarios.md) against a real seatd: SEATD_BIN, or one built with swift build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "clients/python: python3 is not installed; skipped"
    exit 0
fi
if [ -z "${SEATD_BIN:-}" ]; then
    (cd "$root" && swift build)
    SEATD_BIN="$root/.build/debug/seatd"
fi
export SEATD_BIN
cd "$here/tests"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
command -v etcd >/dev/null 2>&1 || echo "clients/python: etcd is not on PATH; the cluster tests are skipped"
python3 -m unittest test_units test_commands test_scenarios test_async test_cluster
# Apart: importing locust patches sockets and threads (gevent) for the rest of the process.
python3 -c "import locust" 2>/dev/null ||
    echo "clients/python: locust is not installed (python3 -m pip install locust); the SeatdUser test is skipped"
python3 -m unittest test_locust
