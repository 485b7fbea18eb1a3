#!/usr/bin/env bash
# What synchronous replication costs, one run on this machine (issue 25's figure): seat-load steady (50
# connections, unpipelined, confirm 0.5) against a release seatd alone, then against a shard's primary with its
# standby in sync (both on this machine, one etcd on loopback), PAIRS=3 times alternating, a fresh data directory
# each time, fsync always. Prints each pair's throughput ratio and p50 difference, and their medians.
# Needs etcd (apt-get install etcd-server). SECONDS_EACH=10 by default; MODE=async measures async replication.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-10}
pairs=${PAIRS:-3}
mode=${MODE:-sync}
bin=.build/release
work=$(mktemp -d)
base=$((44000 + RANDOM % 1000))
etcd_client=$base; etcd_peer=$((base + 1)); port=$((base + 2)); standby_port=$((base + 3))
replication=$((base + 4)); standby_replication=$((base + 5))
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

etcd --name e1 --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --advertise-client-urls "http://127.0.0.1:$etcd_client" --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" --initial-cluster "e1=http://127.0.0.1:$etcd_peer" \
    >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$etcd_client/health" >/dev/null 2>&1 && break; sleep 0.1; done

ask() { python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $1)); s.sendall(b'$2\n'); print(s.makefile().readline().strip())"; }
wait_for() { # port, text CLUSTER INFO must contain
    for _ in $(seq 300); do ask "$1" "CLUSTER INFO" 2>/dev/null | grep -q "$2" && return 0; sleep 0.1; done
    echo "no '$2' on port $1"; cat "$work"/*.log; exit 1
}
node() { # name, port, replication port, cluster name
    "$bin/seatd" --data "$work/$4-$1" --port "$2" --log-level warning --cluster-etcd "http://127.0.0.1:$etcd_client" \
        --cluster-name "$4" --cluster-node "$1" --cluster-shard s0 --cluster-advertise "127.0.0.1:$2" \
        --cluster-replication-listen "127.0.0.1:$3" --cluster-replication "$mode" \
        --cluster-secret bench-replication-secret >"$work/$4-$1.log" 2>&1 &
    pids+=($!)
}
single() {
    "$bin/seatd" --data "$work/single-$1" --port "$port" --log-level warning >"$work/single-$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do ask "$port" PING >/dev/null 2>&1 && return 0; sleep 0.1; done
}
steady() { "$bin/seat-load" steady --target "seatd://127.0.0.1:$port" --connections 50 --depth 1 \
    --seconds "$seconds" --confirm 0.5; }
field() { awk -v name="$1" '$1 == name {print $2}'; }
p50() { awk '$1 == "latency" && $2 == "p50" {print $3}'; }
# CPU a process has used, in clock ticks (user + system, /proc/<pid>/stat fields 14 and 15).
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
stop_all() { for pid in "${pids[@]:1}"; do kill -9 "$pid" 2>/dev/null || true; done; pids=("${pids[0]}"); sleep 0.5; }

ratios=(); deltas=()
for pair in $(seq "$pairs"); do
    single "$pair"
    single_pid=${pids[-1]}
    t0=$(ticks "$single_pid")
    alone=$(steady)
    single_cpu=$(( $(ticks "$single_pid") - t0 ))
    stop_all
    "$bin/seatd" cluster init --etcd "http://127.0.0.1:$etcd_client" --name "r$pair" --shards s0 >/dev/null
    node a "$port" "$replication" "r$pair"
    primary_pid=${pids[-1]}
    wait_for "$port" "role=primary"
    node b "$standby_port" "$standby_replication" "r$pair"
    standby_pid=${pids[-1]}
    wait_for "$standby_port" "role=standby.*replication=$mode"
    p0=$(ticks "$primary_pid"); s0=$(ticks "$standby_pid")
    replicated=$(steady)
    primary_cpu=$(( $(ticks "$primary_pid") - p0 )); standby_cpu=$(( $(ticks "$standby_pid") - s0 ))
    info=$(ask "$port" "CLUSTER INFO")
    stop_all
    a_rate=$(echo "$alone" | field "requests/s"); r_rate=$(echo "$replicated" | field "requests/s")
    a_p50=$(echo "$alone" | p50); r_p50=$(echo "$replicated" | p50)
    errors=$(( $(echo "$alone" | field errors) + $(echo "$replicated" | field errors) ))
    [ "$errors" -eq 0 ] || { echo "pair $pair: $errors error replies"; echo "$alone"; echo "$replicated"; exit 1; }
    ratio=$(python3 -c "print(f'{$r_rate / $a_rate:.3f}')")
    ratios+=("$ratio"); deltas+=("$(python3 -c "print(f'{($r_p50 - $a_p50) / 1000:.3f}')")")
    echo "pair $pair: alone $a_rate req/s p50 $a_p50 us | $mode replication $r_rate req/s p50 $r_p50 us | ratio $ratio | CPU ticks: alone $single_cpu, primary $primary_cpu, standby $standby_cpu | $info"
done
python3 -c "
import statistics
r = [float(x) for x in '${ratios[*]}'.split()]; d = [float(x) for x in '${deltas[*]}'.split()]
print(f'median throughput ratio ($mode replication / alone): {statistics.median(r):.3f} (cost {100 * (1 - statistics.median(r)):.1f}%)')
print(f'median p50 difference: {statistics.median(d):+.3f} ms')"
