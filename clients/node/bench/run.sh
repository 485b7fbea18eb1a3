#!/usr/bin/env bash
# The Node client against seat-load steady (issue 30's figure: the Node client reaches at least 50% of seat-load
# steady's rate on the same workload). One fresh release seatd (fresh data directory, fsync always); for each depth
# (16: pipelined, 1: not), ROUNDS=2 rounds of seat-load steady then bench/steady.mjs, one after the other, each
# SECONDS_EACH=10 s after a 1 s warm-up, 50 connections, 100 sessions of a 20x25 hall, HOLD 2 random seats then
# RELEASE. Work is successful replies only: seat-load's requests minus its conflicts (TAKEN) and errors, the Node
# script's OK replies. Prints each run, then the ratio node / seat-load per depth (the median of the rounds).
#   SEATD=/tmp/seatd-bin/seatd SEAT_LOAD=../../.build/release/seat-load bash clients/node/bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(cd ../.. && pwd)
seatd=${SEATD:-$root/.build/release/seatd}
seat_load=${SEAT_LOAD:-$root/.build/release/seat-load}
seconds=${SECONDS_EACH:-10}
rounds=${ROUNDS:-2}
port=$((47000 + RANDOM % 1000))
work=$(mktemp -d)
make -s all
"$seatd" serve --port "$port" --data "$work/data" --log-level warning >"$work/seatd.log" 2>&1 &
seatd_pid=$!
trap 'kill "$seatd_pid" 2>/dev/null; wait "$seatd_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break; sleep 0.1
done

declare -A ratios
for depth in 16 1; do
    for round in $(seq "$rounds"); do
        "$seat_load" steady --target "seatd://127.0.0.1:$port" --connections 50 --depth "$depth" \
            --seconds "$seconds" --warmup 1 --json "$work/seat-load.json" >"$work/seat-load.out"
        load=$(python3 -c "
import json; r = json.load(open('$work/seat-load.json'))
ok = r['requests'] - r['conflicts'] - sum(r['errors'].values())
print(round(ok / r['seconds']), r['conflicts'], sum(r['errors'].values()))")
        node bench/steady.mjs --port "$port" --connections 50 --depth "$depth" --seconds "$seconds" --warmup 1 \
            >"$work/node.out"
        mine=$(tail -1 "$work/node.out" | python3 -c "
import json, sys; r = json.load(sys.stdin); print(r['ok_per_second'], r['conflicts'], r['errors'])")
        set -- $load; load_rate=$1; load_conflicts=$2; load_errors=$3
        set -- $mine; node_rate=$1; node_conflicts=$2; node_errors=$3
        ratio=$(python3 -c "print(f'{$node_rate / $load_rate:.3f}')")
        ratios[$depth]+="$ratio "
        echo "depth $depth round $round: seat-load $load_rate ok/s (conflicts $load_conflicts, errors $load_errors)" \
            "| node $node_rate ok/s (conflicts $node_conflicts, errors $node_errors) | node/seat-load $ratio"
    done
done
for depth in 16 1; do
    python3 -c "
import statistics
r = [float(x) for x in '${ratios[$depth]}'.split()]
m = statistics.median(r)
print(f'depth $depth: median node/seat-load {m:.3f} (goal >= 0.5: {\"met\" if m >= 0.5 else \"NOT met\"})')"
done
