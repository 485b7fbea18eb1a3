# seatd: build, run and test. `make run` starts the server on config/seatd.yaml; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= config/seatd.yaml

.PHONY: all deps build release run test lint format soak key-memory-test crash-test failpoint-test fuzz net-fuzz disk-full-test powercut-test bench-engine bench-wal bench-server bench-compare bench-cli bench-events bench-replication bench-shards bench-http bench-path bench-path-update clean

all: build

# What the build and the tests need (liblz4-dev, libedit-dev, pkg-config, redis-server, nats-server, nats-py,
# etcd-server, golang-go, node-typescript, chromium, prometheus, locust), installed when missing if run as root on
# Debian: scripts/install-deps.sh.
deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/seatd --config $(CONFIG)

# The formatter's check (.swift-format: 120 columns, 4 spaces), every test (the crash loop, failpoints, power
# cuts, network fuzzing and disk-full runs in short versions), the three libFuzzer targets for 10 s each, then the
# Python, Go and TypeScript clients' suites and the seat-map page in Chromium against the debug seatd.
test: deps lint
	$(SWIFT) build
	$(SWIFT) test --parallel
	bash Tests/Fuzz/build.sh
	bash Tests/Fuzz/run.sh 10
	SEATD_BIN=$(CURDIR)/.build/debug/seatd $(MAKE) test-clients
	SEATD_BIN=$(CURDIR)/.build/debug/seatd $(MAKE) test-browser

# The clients' suites (docs/clients.md): each against a real seatd, SEATD_BIN (default: built with swift build).
# A suite whose toolchain is missing skips and says so.
.PHONY: test-clients
test-clients:
	bash clients/python/test.sh
	bash clients/go/test.sh
	$(MAKE) -C clients/node test

# The seat-map page in headless Chromium (Debian's chromium) against a real seatd's HTTP port, SEATD_BIN (default:
# built with swift build): a rush with the page's stream cut, a trimmed history, the token form (docs/http.md).
# Screenshots in .build/browser/. Without chromium it says SKIP.
.PHONY: test-browser
test-browser:
	bash Tests/Browser/run.sh

# swift-format (the toolchain's `swift format`) with .swift-format: `make lint` checks, `make format` rewrites.
FORMATTED = Sources Tests LoadTests Benchmarks Package.swift
lint:
	$(SWIFT) format lint --strict -r $(FORMATTED)

format:
	$(SWIFT) format format -i -r $(FORMATTED)

# Longer fault runs: power cuts, EIO and ENOSPC at random operations (SEEDS seeds, default 5000).
SEEDS ?= 5000
soak: deps
	SEATD_POWERCUT_SEEDS=$(SEEDS) $(SWIFT) test --filter PowerCutTests

# The crash loop against the real (release) seatd: CYCLES kill -9 cycles under concurrent clients, then the seat
# checker over every request and reply (docs/reliability.md). SEED=n replays the clients' choices.
CYCLES ?= 200
SEED_FLAG = $(if $(SEED),--seed $(SEED),)
crash-test: release
	.build/release/seat-load crash --cycles $(CYCLES) $(SEED_FLAG)

# Every failpoint of the log and snapshot paths (SEATD_FAILPOINT), FAILPOINT_CYCLES crashes each, same checks.
FAILPOINT_CYCLES ?= 20
failpoint-test: release
	.build/release/seat-load crash --failpoint all --cycles $(FAILPOINT_CYCLES) $(SEED_FLAG)

# SHARDS shards, each a primary and a standby as real processes, beside etcd (3 members), checking clients on every
# shard, and TRIALS faults, each of the primary of the next shard in turn (SIGKILL and SIGSTOP in turn;
# FAULTS=kill,stop,switchover adds CLUSTER FAILOVER): the time from each fault to the first change the shard's new
# primary acknowledges, the rejoin, and at the end every shard in sync, nothing acknowledged lost, no seat in two
# bookings, no OK from a replaced primary, the seat checker over each shard's history (docs/reliability.md).
TRIALS ?= 20
FAULTS ?= kill,stop
SHARDS ?= 3
.PHONY: failover-test
failover-test: release
	.build/release/seat-load failover --shards $(SHARDS) --trials $(TRIALS) --faults $(FAULTS) $(SEED_FLAG)

# The libFuzzer targets (request parser, log decoder, snapshot decoder), FUZZ_SECONDS each (Tests/Fuzz).
FUZZ_SECONDS ?= 300
fuzz: deps
	$(SWIFT) build
	bash Tests/Fuzz/build.sh
	bash Tests/Fuzz/run.sh $(FUZZ_SECONDS)

# seatd's data directory on a 4 MiB tmpfs filled up and freed DISKFULL_ROUNDS times (needs root to mount).
DISKFULL_ROUNDS ?= 20
disk-full-test: release
	.build/release/seat-load diskfull --rounds $(DISKFULL_ROUNDS)

# Idempotency keys forgotten on time: 1,000,000 keyed holds with keyttl=1, then the keys and the snapshot shrink.
key-memory-test: deps
	SEATD_KEY_MEMORY_HOLDS=1000000 $(SWIFT) test --filter KeyMemoryTests

# Power cuts on the simulated disk (alias of soak): SEEDS seeds.
powercut-test: soak

# Random and mutated lines, cut connections and connection floods at a live (release) seatd while a well-formed
# client checks every reply.
NETFUZZ_SECONDS ?= 300
net-fuzz: release
	.build/release/seat-load netfuzz --seconds $(NETFUZZ_SECONDS) $(SEED_FLAG)

# The in-process engine benchmark (no network, no log), then the server's request path in-process (seat-load
# path: reads of 800 requests run in the sessions' turn on their loop, a real log, fsync always).
bench-engine: release
	.build/release/seat-load path
	.build/release/seat-load engine
	.build/release/seat-load venue
	.build/release/seat-load checkout

# The engine on a real log (fsync always) in a temp directory, then a timed recovery of it.
bench-wal: release
	dir=$$(mktemp -d) && .build/release/seat-load engine --data $$dir && .build/release/seat-load recover --data $$dir; \
	rm -rf $$dir

# seatd over TCP (fsync always, temp data directory, port BENCH_PORT) under seat-load steady, unpipelined and
# 16 deep; the server is stopped afterwards.
BENCH_PORT ?= 7079
BENCH_SECONDS ?= 10
bench-server: release
	dir=$$(mktemp -d); .build/release/seatd --data $$dir --port $(BENCH_PORT) --log-level warning & pid=$$!; \
	sleep 2; \
	for depth in 1 16; do \
		.build/release/seat-load steady --target seatd://127.0.0.1:$(BENCH_PORT) --connections 50 --depth $$depth --seconds $(BENCH_SECONDS) || break; \
	done; \
	kill $$pid; wait $$pid; rm -rf $$dir

# The same rush and steady scenarios against seatd, Redis (LoadTests/redis/seats.lua, appendfsync always) and
# PostgreSQL (pgbench with LoadTests/postgres/*.sql, fsync on); installs redis-server and postgresql if missing.
bench-compare: release
	bash LoadTests/bench-compare.sh

# What publishing events to NATS JetStream costs: steady throughput with NATS off and on, and the publisher's
# catch-up rate (LoadTests/bench-events.sh; needs nats-server and the Python package nats-py).
bench-events: release
	bash LoadTests/bench-events.sh

# seatd cli --pipe loading 100,000 requests beside seat-load steady unpipelined (one connection, depth 1).
bench-cli: release
	bash LoadTests/bench-cli.sh

# What synchronous replication costs: seat-load steady against seatd alone and against a shard's primary with its
# standby in sync, PAIRS=3 times alternating (LoadTests/bench-replication.sh; needs etcd-server).
bench-replication: release
	bash LoadTests/bench-replication.sh

# What sharding costs in CPU: seat-load steady --cluster against one shard (primary + standby) and against three
# shards (six nodes), CPU per request summed over every seatd process, ROUNDS=2 times alternating
# (LoadTests/bench-shards.sh; needs etcd-server).
bench-shards: release
	bash LoadTests/bench-shards.sh

# What the HTTP port costs the line protocol: seat-load steady with the port off, then with headless Chromium on a
# session's page and 100 event streams open (LoadTests/bench-http.sh; PAIRS=2 alternating; chromium optional).
bench-http: release
	bash LoadTests/bench-http.sh

# The request path in-process with ordo-one/benchmark (Benchmarks/RequestPath): time and mallocs per request for
# HOLD 2 + RELEASE and the 1.1 forms, then the malloc counts checked against Benchmarks/Thresholds (a count above
# its threshold fails; time moves with the machine and is reported only). After a change that lowers the counts:
# make bench-path-update (it keeps only the malloc counts), and commit Benchmarks/Thresholds.
bench-path: deps
	$(SWIFT) package benchmark --target RequestPath
	$(SWIFT) package benchmark thresholds check --target RequestPath --path $(CURDIR)/Benchmarks/Thresholds

bench-path-update: deps
	$(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update --target RequestPath \
		--path $(CURDIR)/Benchmarks/Thresholds
	python3 -c 'import glob, json; [json.dump({"mallocCountTotal": json.load(open(f))["mallocCountTotal"]}, \
		open(f, "w"), indent=2) for f in glob.glob("Benchmarks/Thresholds/*.json")]'

clean:
	rm -rf .build
