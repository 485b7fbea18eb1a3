#!/usr/bin/env bash
# `seatd cli --pipe` beside `seat-load` unpipelined (issue 29's speed goal: the cli loads 100,000 requests at least as
# fast as seat-load does them one at a time), on release builds (`swift build -c release`), one run on this machine:
#  1. seat-load steady --connections 1 --depth 1 (one connection, one request at a time: HOLD 2 random seats, then
#     RELEASE them) for SECONDS_EACH s (default 10) against a release seatd on a fresh data directory: requests/s;
#     then the same with 50 connections (seat-load's usual unpipelined load);
#  2. seatd cli --pipe with N requests (default 100,000): HOLD of each seat of a hall of N seats (rows of 200),
#     one a line, against another release seatd on a fresh data directory: wall time from start to the last reply,
#     requests/s, and a check that every reply was OK.
# Both servers run with the default fsync (always) and --log-level warning; only one runs at a time. CLI_BIN names
# another seatd binary to run `cli` from (default: the release seatd).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-10}
requests=${N:-100000}
bin=.build/release
cli=${CLI_BIN:-$bin/seatd}
work=$(mktemp -d)
port=$((44000 + RANDOM % 1000))
seatd_pid=
cleanup() { [ -n "$seatd_pid" ] && kill "$seatd_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Starts seatd on a fresh data directory; waits until it answers PING.
start_seatd() {
    "$bin/seatd" --data "$work/$1" --port "$port" --log-level warning >"$work/$1.log" 2>&1 &
    seatd_pid=$!
    for _ in $(seq 100); do
        "$cli" cli --port "$port" PING >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "seatd did not start"; cat "$work/$1.log"; exit 1
}
stop_seatd() { kill "$seatd_pid"; wait "$seatd_pid" 2>/dev/null || true; seatd_pid=; }

start_seatd steady
"$bin/seat-load" steady --target "seatd://127.0.0.1:$port" --connections 1 --depth 1 --seconds "$seconds" \
    | tee "$work/steady.txt"
steady=$(awk '/^requests\/s/ {print $2}' "$work/steady.txt")
stop_seatd
# And seat-load's usual unpipelined load, 50 connections each one request at a time.
start_seatd steady50
"$bin/seat-load" steady --target "seatd://127.0.0.1:$port" --connections 50 --depth 1 --seconds "$seconds" \
    | tee "$work/steady50.txt"
steady50=$(awk '/^requests\/s/ {print $2}' "$work/steady50.txt")
stop_seatd

# The hall (rows of 200 seats, labels A..Z, AA..) in hall.txt, one HOLD per seat in requests.txt.
python3 - "$requests" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
def label(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
rows = [(label(r), min(200, n - 200 * r)) for r in range((n + 199) // 200)]
with open(f"{work}/hall.txt", "w") as f:
    f.write(" ".join(f"{row}={seats}" for row, seats in rows))
with open(f"{work}/requests.txt", "w") as f:
    for index in range(n):
        f.write(f"HOLD bench c{index} {rows[index // 200][0]}{index % 200 + 1}\n")
PY
start_seatd pipe
"$cli" cli --port "$port" CREATE HALL big $(cat "$work/hall.txt") >/dev/null
"$cli" cli --port "$port" CREATE SESSION bench big ttl=3600 >/dev/null
start=$(date +%s.%N)
status=0
"$cli" cli --port "$port" --pipe <"$work/requests.txt" >"$work/replies.txt" || status=$?
end=$(date +%s.%N)
ok=$(grep -c '^OK ' "$work/replies.txt" || true)
stop_seatd
elapsed=$(echo "$end - $start" | bc -l)
pipe=$(echo "$requests / $elapsed" | bc -l)
printf 'seatd cli --pipe: %d requests in %.2f s, %.0f requests/s, %d replies OK, exit status %d\n' \
    "$requests" "$elapsed" "$pipe" "$ok" "$status"
printf 'seat-load steady --connections 1 --depth 1: %s requests/s\n' "$steady"
printf 'seat-load steady --connections 50 --depth 1: %s requests/s\n' "$steady50"
printf 'ratio cli --pipe / seat-load unpipelined: %.1f (one connection), %.1f (50 connections)\n' \
    "$(echo "$pipe / $steady" | bc -l)" "$(echo "$pipe / $steady50" | bc -l)"
[ "$status" = 0 ] && [ "$ok" = "$requests" ]
