#!/usr/bin/env bash
# Issue 30's Go figure: the Go client (seatd-bench) against `seat-load steady` on the same workload (C=50
# connections, 100 sessions of a 20x25 hall, HOLD 2 random seats then RELEASE), one fresh release seatd, each
# DEPTHS depth both ways, ROUNDS rounds alternating (seat-load, Go, seat-load, Go). Work is successful replies
# only: seat-load's requests minus its conflicts and errors, seatd-bench's OK replies. Prints each run and the
# ratio Go / seat-load per depth (of the mean rates over the rounds).
# Usage: clients/go/cmd/seatd-bench/compare.sh   (SEATD_BIN, SEAT_LOAD, SECONDS_EACH, ROUNDS, DEPTHS to override)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
seatd=${SEATD_BIN:-$root/.build/release/seatd}
seat_load=${SEAT_LOAD:-$root/.build/release/seat-load}
seconds=${SECONDS_EACH:-10}
rounds=${ROUNDS:-2}
depths=${DEPTHS:-"16 1"}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

(cd "$here" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -o "$work/seatd-bench" .)
port=$((40000 + RANDOM % 10000))
"$seatd" serve --port "$port" --data "$work/data" --log-level warning >"$work/seatd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || { cat "$work/seatd.log"; exit 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
echo "seatd $("$seatd" --version 2>/dev/null || true) on 127.0.0.1:$port, data $work/data"

for round in $(seq "$rounds"); do
    for depth in $depths; do
        cmd=("$seat_load" steady --target "seatd://127.0.0.1:$port" --connections 50 --depth "$depth"
            --seconds "$seconds" --json "$work/sl.json")
        echo "round $round: ${cmd[*]}"
        "${cmd[@]}" >"$work/sl.out" 2>&1 || { cat "$work/sl.out"; exit 1; }
        ok=$(python3 -c "
import json; d = json.load(open('$work/sl.json'))
print(d['requests'] - d['conflicts'] - sum(d['errors'].values()))")
        rate=$(python3 -c "print(round($ok / $seconds))")
        echo "  seat-load: $rate ok/s ($ok ok; conflicts $(python3 -c "import json; print(json.load(open('$work/sl.json'))['conflicts'])"))"
        echo "$depth seat-load $rate" >>"$work/rates"
        cmd=("$work/seatd-bench" -addr "127.0.0.1:$port" -connections 50 -depth "$depth" -seconds "$seconds" -json)
        echo "round $round: seatd-bench ${cmd[*]:1}"
        "${cmd[@]}" >"$work/go.json"
        echo "$depth go $(python3 -c "import json; print(round(json.load(open('$work/go.json'))['ok_per_second']))")" \
            >>"$work/rates"
        echo "  go client: $(python3 -c "
import json; d = json.load(open('$work/go.json')); print(f\"{d['ok_per_second']:.0f} ok/s ({d['ok']} ok; conflicts {d['conflicts']}, errors {d['errors']})\")")"
    done
done
python3 - "$work/rates" <<'EOF2'
import sys, collections
rates = collections.defaultdict(list)
for line in open(sys.argv[1]):
    depth, who, rate = line.split()
    rates[(depth, who)].append(int(rate))
for depth in dict.fromkeys(d for d, _ in rates):
    go, sl = rates[(depth, "go")], rates[(depth, "seat-load")]
    print(f"depth {depth}: go {go} ok/s, seat-load {sl} ok/s, ratio of the means {sum(go) / sum(sl):.2f}")
EOF2
