#!/usr/bin/env bash
# What sharding costs in CPU, one run on this machine (issue 26's figure: a 3-shard cluster's CPU per request, every
# seatd process summed, is at most 1.2x that of one primary + standby at the same load). seat-load steady --cluster
# (CONNECTIONS=50 connections, DEPTH=1, confirm 0.5, SECONDS_EACH=10 s after a 1 s warm-up) against A) one shard (a
# primary and its standby) and B) three shards (six nodes), ROUNDS=2 times alternating (A, B, A, B), one etcd on
# loopback, a fresh cluster and data directories each time, sync replication, fsync always. CPU is the user + system
# ticks (/proc/<pid>/stat fields 14 and 15) of every seatd process of the cluster under test over seat-load's measured
# window; requests are those seat-load counts in that window. Prints for each round the CPU ms per 1000 requests of A
# and B, both throughputs (the same closed loop both ways: judge "the same load" by them) and the ratio B/A, then the
# median ratio. Each round also runs C) one shard under CONNECTIONS/3 connections: the load each of B's primaries
# carries, so B/C shows what the extra processes cost apart from each process carrying a third of the load (smaller
# group commits and replication batches). Exits 1 on any error reply or failed run. Needs etcd (apt-get install etcd-server) and the release
# build (make bench-shards builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-10}
rounds=${ROUNDS:-2}
connections=${CONNECTIONS:-50}
depth=${DEPTH:-1}
warmup=1
bin=.build/release
work=$(mktemp -d)
base=$((45000 + RANDOM % 1000))
etcd_client=$base; etcd_peer=$((base + 1))
hz=$(getconf CLK_TCK)
pids=()
seatd_pids=()
# etcd's data on /dev/shm when there is one, so that its fsyncs do not wait on the disk the nodes keep busy.
etcd_data=$(if [ -w /dev/shm ]; then mktemp -d /dev/shm/bench-shards-etcd.XXXXXX; else echo "$work/etcd"; fi)
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true; rm -rf "$work" "$etcd_data"
}
trap cleanup EXIT

etcd --name e1 --data-dir "$etcd_data" --listen-client-urls "http://127.0.0.1:$etcd_client" \
    --advertise-client-urls "http://127.0.0.1:$etcd_client" --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" --initial-cluster "e1=http://127.0.0.1:$etcd_peer" \
    >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$etcd_client/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$etcd_client/health" >/dev/null 2>&1 || {
    echo "etcd on port $etcd_client is not healthy"; tail -n 20 "$work/etcd.log"; exit 1
}

ask() { python3 -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $1)); s.sendall(b'$2\n'); print(s.makefile().readline().strip())"; }
wait_for() { # port, request, text its reply must contain (a regex)
    for _ in $(seq 300); do ask "$1" "$2" 2>/dev/null | grep -q "$3" && return 0; sleep 0.1; done
    echo "no '$3' in the reply to $2 on port $1"; tail -n 20 "$work"/*.log; exit 1
}
node() { # cluster name, shard, node name, client port
    "$bin/seatd" --data "$work/$1-$3" --port "$4" --log-level warning --cluster-etcd "http://127.0.0.1:$etcd_client" \
        --cluster-name "$1" --cluster-node "$3" --cluster-shard "$2" --cluster-advertise "127.0.0.1:$4" \
        --cluster-replication-listen "127.0.0.1:$(($4 + 1))" --cluster-replication sync \
        --cluster-secret bench-shards-secret >"$work/$1-$3.log" 2>&1 &
    pids+=($!); seatd_pids+=($!)
}
# A cluster of $2 shards named $1, each shard's first node its primary and the second its in-sync standby; sets
# `addresses` (every node, host:port, comma-separated).
cluster() {
    local shards port index=0
    shards=$(seq -s, -f 's%g' 0 $(($2 - 1)))
    "$bin/seatd" cluster init --etcd "http://127.0.0.1:$etcd_client" --name "$1" --shards "$shards" \
        >"$work/init.out" 2>&1 || { cat "$work/init.out"; exit 1; }
    addresses=""
    for shard in ${shards//,/ }; do
        for letter in a b; do
            port=$((base + 10 + 2 * index)); index=$((index + 1))
            node "$1" "$shard" "$shard$letter" "$port"
            addresses+="${addresses:+,}127.0.0.1:$port"
            if [ "$letter" = a ]; then
                wait_for "$port" "CLUSTER INFO" "role=primary"
            else
                wait_for "$port" "CLUSTER INFO" "role=standby.*replication=sync"
            fi
        done
    done
    # Every shard's primary is known (no "@-"), so that every load connection starts at its primary.
    [ "$2" -gt 1 ] || return 0
    for _ in $(seq 300); do
        ask "$((base + 10))" "CLUSTER SLOTS" 2>/dev/null | grep '^OK ' | grep -qv '@-' && return 0
        sleep 0.1
    done
    echo "CLUSTER SLOTS does not name every primary: $(ask "$((base + 10))" "CLUSTER SLOTS")"; exit 1
}
# CPU ticks (user + system) of every seatd process of the cluster under test.
ticks() {
    local sum=0
    for pid in "${seatd_pids[@]}"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
    echo "$sum"
}
# Runs steady against `addresses` with $1 connections; prints its output, then "cpu <ticks>" over its measured window.
steady() {
    local out="$work/steady.out" t0 t1 pid
    "$bin/seat-load" steady --cluster "$addresses" --connections "$1" --depth "$depth" \
        --seconds "$seconds" --warmup "$warmup" --confirm 0.5 >"$out" 2>&1 &
    pid=$!
    # The header is printed as the warm-up starts.
    until grep -q '^steady:' "$out" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "seat-load steady failed"; exit 1; }
        sleep 0.01
    done
    sleep "$warmup"; t0=$(ticks)
    sleep "$seconds"; t1=$(ticks)
    wait "$pid" || { cat "$out"; echo "seat-load steady failed"; exit 1; }
    cat "$out"; echo "cpu $((t1 - t0))"
}
field() { awk -v name="$1" '$1 == name {print $2}'; }
stop_all() {
    for pid in "${seatd_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    seatd_pids=(); sleep 0.5
}
# CPU ms per 1000 requests: ticks / hz * 1000 ms, per requests / 1000.
per_thousand() { python3 -c "print(f'{$1 / $hz * 1000 / ($2 / 1000):.1f}')"; }

ratios=()
declare -A cpu rate ms moved p50
for round in $(seq "$rounds"); do
    for run in A B C; do
        case $run in
            A) cluster "a$round" 1; output=$(steady "$connections") ;;
            B) cluster "b$round" 3; output=$(steady "$connections") ;;
            C) cluster "c$round" 1; output=$(steady $(((connections + 2) / 3))) ;;
        esac
        stop_all
        errors=$(echo "$output" | field errors)
        [ "$errors" = 0 ] || { echo "round $round, run $run: $errors error replies"; echo "$output"; exit 1; }
        requests=$(echo "$output" | field requests)
        cpu[$run]=$(echo "$output" | awk '$1 == "cpu" {print $2}')
        rate[$run]=$(echo "$output" | field "requests/s")
        moved[$run]=$(echo "$output" | awk '$1 == "cluster:" && $2 == "moved" {print $3}')
        p50[$run]=$(echo "$output" | awk '$1 == "latency" && $2 == "p50" {print $3}')
        ms[$run]=$(per_thousand "${cpu[$run]}" "$requests")
    done
    ratio=$(python3 -c "print(f'{${ms[B]} / ${ms[A]}:.3f}')")
    ratios+=("$ratio")
    per_shard=$(python3 -c "print(f'{${ms[B]} / ${ms[C]}:.3f}')")
    echo "round $round: A (1 shard, 2 nodes) ${rate[A]} req/s p50 ${p50[A]} us, ${ms[A]} CPU ms per 1000 requests" \
        "| B (3 shards, 6 nodes) ${rate[B]} req/s p50 ${p50[B]} us, ${ms[B]} CPU ms per 1000 requests | B/A $ratio" \
        "| moved A ${moved[A]}, B ${moved[B]}" \
        "| C (1 shard, $(((connections + 2) / 3)) connections) ${rate[C]} req/s, ${ms[C]} CPU ms per 1000 requests | B/C $per_shard"
done
python3 -c "
import statistics
r = [float(x) for x in '${ratios[*]}'.split()]
m = statistics.median(r)
verdict = 'met' if m <= 1.2 else 'NOT met'
print(f'median CPU per request ratio (3 shards / 1 shard): {m:.3f} (goal <= 1.2: {verdict})')"
