#!/usr/bin/env bash
# make bench-compare: the same scenarios against seatd, Redis (the Lua script) and PostgreSQL (pgbench scripts),
# each durable, on loopback, in temp directories; prints one side-by-side table. Run from the repository root
# after `swift build -c release`. Installs redis-server and postgresql from Debian when missing (needs root).
# Knobs (environment): SECONDS_STEADY (10), BUYERS (2000), CONNECTIONS (50), OUT (a directory for the JSON
# summaries and logs; default a temp directory, kept).
set -euo pipefail

SECONDS_STEADY=${SECONDS_STEADY:-10}
BUYERS=${BUYERS:-2000}
CONNECTIONS=${CONNECTIONS:-50}
SEATD_PORT=${SEATD_PORT:-7091}
REDIS_PORT=${REDIS_PORT:-6391}
PG_PORT=${PG_PORT:-5491}
LOAD=.build/release/seat-load
SEATD=.build/release/seatd

say() { printf '\n== %s\n' "$*"; }

# --- what is needed ---------------------------------------------------------------------------------------
missing=()
command -v redis-server > /dev/null || missing+=(redis-server)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1 || true)
{ [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && command -v pgbench > /dev/null && command -v psql > /dev/null; } ||
    missing+=(postgresql postgresql-contrib)
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
[ -x "$LOAD" ] && [ -x "$SEATD" ] || { echo "build first: swift build -c release" >&2; exit 1; }

WORK=$(mktemp -d -t seat-compare.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
chmod 755 "$WORK"
pids=()
pgdata=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
    [ -n "$pgdata" ] && as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m immediate stop > /dev/null 2>&1 || true
    rm -rf "$WORK/seatd" "$WORK/redis" "$WORK/pg"
}
trap cleanup EXIT

wait_port() {
    for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.1; done
    echo "nothing listens on port $1" >&2
    return 1
}

# --- the machine ------------------------------------------------------------------------------------------
say "machine"
echo "cores: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
dd if=/dev/zero of="$WORK/fsync-probe" bs=4k count=500 oflag=dsync 2>&1 | tail -1 |
    awk '{ printf "fsync: 500 synchronous 4 KiB writes in %s s: %.3f ms each (%s)\n", $(NF-3), $(NF-3) * 1000 / 500, "dd oflag=dsync, same disk as the data" }'
rm -f "$WORK/fsync-probe"

# --- one target at a time: start its server, run every scenario, stop it -------------------------------------
rush_args=(--buyers "$BUYERS" --connections "$CONNECTIONS" --ttl 2 --confirm 0.6 --release 0.2 --max-seconds 120)
steady_args=(--connections "$CONNECTIONS" --seconds "$SECONDS_STEADY" --warmup 1 --sessions 100 --seats-per-hold 2)
mkdir -p "$WORK/seatd" "$WORK/redis" "$WORK/pg"

# Runs rush (one hall of 20 x 25, buyers at once, BEST 1..6, ttl 2 s, 60% confirm, 20% release, 20% walk
# away) and steady (100 sessions of 500 seats, hold 2 random seats then release, 1 and 16 deep) on $1.
run_scenarios() {
    local name=$1 target=$2
    say "rush: $name"
    "$LOAD" rush --target "$target" "${rush_args[@]}" --json "$OUT/rush-$name.json" | tail -20
    for depth in 1 16; do
        say "steady, $depth deep: $name"
        "$LOAD" steady --target "$target" "${steady_args[@]}" --depth "$depth" --json "$OUT/steady-$depth-$name.json" |
            tail -16
    done
}

say "seatd (fsync always)"
"$SEATD" --data "$WORK/seatd" --port "$SEATD_PORT" --fsync always --log-level warning > "$OUT/seatd.log" 2>&1 &
pids+=($!)
wait_port "$SEATD_PORT"
run_scenarios seatd "seatd://127.0.0.1:$SEATD_PORT"
kill "${pids[-1]}"; wait "${pids[-1]}" || true

say "redis-server $(redis-server --version | awk '{print $3}') (appendonly yes, appendfsync always)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --save '' --appendonly yes \
    --appendfsync always --logfile "$OUT/redis.log" &
pids+=($!)
wait_port "$REDIS_PORT"
run_scenarios redis "redis://127.0.0.1:$REDIS_PORT"
kill "${pids[-1]}"; wait "${pids[-1]}" || true

say "postgresql $("$PGBIN/postgres" --version | awk '{print $3}') (fsync on, synchronous_commit on), through pgbench"
chown postgres "$WORK/pg" 2> /dev/null || true
pgdata="$WORK/pg/data"
as_pg "$PGBIN/initdb" -D "$pgdata" -A trust -U postgres > "$OUT/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$WORK/pg/log" -w -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 \
    -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200 -c shared_buffers=256MB" \
    start > /dev/null
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1)
PGBENCH=(pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$CONNECTIONS" -j 1 --max-tries=5)
SQL=LoadTests/postgres

say "rush: postgres ($CONNECTIONS pgbench clients, each a stream of buyers)"
"${PSQL[@]}" -v sessions=1 -v rows=20 -v per_row=25 -f "$SQL/schema.sql" 2> /dev/null
mkdir -p "$WORK/pg/rush"
(cd "$WORK/pg/rush" && "${PGBENCH[@]}" -f "$OLDPWD/$SQL/rush.sql" -T 120 -l --log-prefix=rush \
    -D held=0 -D action=0 -D hold=0 -D first=0 -D last=0 -D session=0 -D sessions=1 -D rows=20 -D per_row=25 \
    -D max_seats=6 -D ttl=2 -D confirm_pct=60 -D release_pct=20 postgres > "$OUT/pgbench-rush.log" 2>&1) || true
counts=$("${PSQL[@]}" -At -F' ' -f "$SQL/check.sql")
"$LOAD" pgbench-report "$WORK"/pg/rush/rush.* --scenario rush --target "postgres://127.0.0.1:$PG_PORT" \
    --counts "$counts" --json "$OUT/rush-postgres.json" | tail -12

say "steady, 1 deep: postgres ($CONNECTIONS pgbench clients, one request per transaction)"
"${PSQL[@]}" -v sessions=100 -v rows=20 -v per_row=25 -f "$SQL/schema.sql" 2> /dev/null
mkdir -p "$WORK/pg/steady"
(cd "$WORK/pg/steady" && "${PGBENCH[@]}" -f "$OLDPWD/$SQL/steady.sql" -T "$SECONDS_STEADY" -l --log-prefix=steady \
    -D held=0 -D hold=0 -D session=0 -D a=0 -D b=0 -D sessions=100 -D capacity=500 -D ttl=900 postgres \
    > "$OUT/pgbench-steady.log" 2>&1) || true
grep -E "failed|aborted" "$OUT/pgbench-steady.log" | head -3 || true
counts=$("${PSQL[@]}" -At -F' ' -f "$SQL/check.sql")
"$LOAD" pgbench-report "$WORK"/pg/steady/steady.* --scenario steady --target "postgres://127.0.0.1:$PG_PORT" \
    --counts "$counts" --json "$OUT/steady-1-postgres.json" | tail -12
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast stop > /dev/null
pgdata=""

# --- the table --------------------------------------------------------------------------------------------
say "side by side (x ops/s: seatd's ops/s over the row's; x p99: the row's p99 over seatd's)"
"$LOAD" compare "$OUT"/rush-{seatd,redis,postgres}.json "$OUT"/steady-1-{seatd,redis,postgres}.json \
    "$OUT"/steady-16-{seatd,redis}.json | tee "$OUT/table.md"
echo "JSON summaries and logs: $OUT"
