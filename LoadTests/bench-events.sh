#!/usr/bin/env bash
# What publishing to NATS JetStream costs, one run on this machine (issue 17's speed goal):
#  1. seat-load steady (50 connections, unpipelined, confirm 0.5) against a release seatd with NATS off, then
#     against one with NATS on (a fresh data directory each, fsync always), PAIRS=3 times alternating; each pair's
#     ratio of throughputs and their median;
#  2. the publisher alone: the second seatd's history re-published from the start into a fresh stream (the
#     catch-up path after an outage), timed until JetStream holds every event: events per second.
# Needs nats-server (apt-get install nats-server). SECONDS_EACH=10 by default; the stream of each NATS-on run is the same one (SEATD), so it grows.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-10}
bin=.build/release
work=$(mktemp -d)
nats_port=$((42000 + RANDOM % 1000))
seatd_port=$((43000 + RANDOM % 1000))
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# NATS_GOMAXPROCS=1 runs nats-server on one Go processor (it otherwise spins up to two on this 2-core machine).
env ${NATS_GOMAXPROCS:+GOMAXPROCS=$NATS_GOMAXPROCS} nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats" \
    >"$work/nats.log" 2>&1 & nats_pid=$!; pids+=($nats_pid)
sleep 1

# Starts seatd on a data directory with extra environment; waits until it answers.
start_seatd() {
    local data=$1; shift
    env "$@" "$bin/seatd" --data "$data" --port "$seatd_port" --log-level warning >"$data.log" 2>&1 &
    seatd_pid=$!
    pids+=($seatd_pid)
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $seatd_port), 0.2)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "seatd did not start"; cat "$data.log"; exit 1
}
stop_seatd() { kill "$seatd_pid"; wait "$seatd_pid" 2>/dev/null || true; }
steady() { "$bin/seat-load" steady --target "seatd://127.0.0.1:$seatd_port" --connections 50 --depth 1 \
    --seconds "$seconds" --confirm 0.5 --keep; }
rate() { awk '/^requests\/s/ {print $2}'; }
# CPU a process has used, in clock ticks (user + system, /proc/<pid>/stat fields 14 and 15).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
now() { date +%s.%N; }
stats() { python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $seatd_port)); s.sendall(b'STATS\n'); print(s.recv(4096).decode().strip())"; }
stream_messages() { python3 - "$nats_port" "$1" <<'PY'
import asyncio, sys, nats
async def main():
    nc = await nats.connect(f"nats://127.0.0.1:{sys.argv[1]}")
    try:
        print((await nc.jetstream().stream_info(sys.argv[2])).state.messages)
    except Exception:
        print(0)
    await nc.close()
asyncio.run(main())
PY
}

# Alternating pairs, NATS off then on, each on a fresh data directory: this machine's speed drifts by tens of
# percent between runs, so one pair says little; the median of the pairs' ratios is the figure.
pairs=${PAIRS:-3}
ratios=()
for pair in $(seq "$pairs"); do
    start_seatd "$work/off$pair"
    t0=$(now); s0=$(ticks "$seatd_pid")
    off=$(steady | tee "$work/off$pair.out" | rate)
    t1=$(now); s1=$(ticks "$seatd_pid")
    stop_seatd
    before=$(stream_messages SEATD)
    start_seatd "$work/on$pair" SEATD_EVENTS_NATS="nats://127.0.0.1:$nats_port"
    t2=$(now); s2=$(ticks "$seatd_pid"); n2=$(ticks "$nats_pid")
    on=$(steady | tee "$work/on$pair.out" | rate)
    sleep 1
    t3=$(now); s3=$(ticks "$seatd_pid"); n3=$(ticks "$nats_pid")
    published=$(( $(stream_messages SEATD) - before ))
    stop_seatd
    python3 -c "
off_s = ($t1 - $t0); on_s = ($t3 - $t2)
print(f'pair $pair: cores used (warm-up and check included): NATS off seatd {($s1 - $s0) / $hz / off_s:.2f}; '
      f'NATS on seatd {($s3 - $s2) / $hz / on_s:.2f}, nats-server {($n3 - $n2) / $hz / on_s:.2f} '
      f'({($n3 - $n2) / $hz / max($published, 1) * 1e6:.1f} us per event)')"
    ratio=$(python3 -c "print(f'{$on / $off:.3f}')")
    ratios+=("$ratio")
    echo "pair $pair: steady req/s NATS off $off, NATS on $on: ratio $ratio ($published events reached the stream)"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median ratio on/off over $pairs pairs: $median (goal >= 0.85)"
# The catch-up below republishes the last NATS-on run's history.
mv "$work/on$pairs" "$work/on"

echo "== the publisher alone: the same history into a fresh stream (SEATD2, subjects again.>)"
# The last seq is the last event's: the publisher has them all once its position (nats-acked, written every
# 200 ms) reaches it. Polled with the shell alone, so the poll costs the run no CPU worth counting.
last_seq=$(awk '/^acked/ {print $2}' "$work/on/nats-acked")
rm -f "$work/on/nats-acked"
start=$(date +%s.%N)
start_seatd "$work/on" SEATD_EVENTS_NATS="nats://127.0.0.1:$nats_port" SEATD_EVENTS_NATS_STREAM=SEATD2 \
    SEATD_EVENTS_NATS_SUBJECT="again.<type>.<session>"
while true; do
    acked=$(awk '/^acked/ {print $2}' "$work/on/nats-acked" 2>/dev/null || echo 0)
    [ "${acked:-0}" -ge "$last_seq" ] && break
    sleep 0.05
done
end=$(date +%s.%N)
stop_seatd
republished=$(stream_messages SEATD2)
[ "$republished" -eq "$published" ] || { echo "SEATD2 holds $republished events, the run published $published"; exit 1; }

python3 - "$published" "$start" "$end" <<'PY'
import sys
published, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"catch-up: {published:,} events re-published in {end - start:.2f} s (seatd's start and recovery included, "
      f"up to 0.2 s of position-file delay too): "
      f"{published / (end - start):,.0f} events/s (goal >= 50,000)")
PY
