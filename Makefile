# seatd: build, run and test. `make run` starts the server on config/seatd.yaml; `make test` runs every test.
SWIFT ?= swift
CONFIG ?= config/seatd.yaml

.PHONY: all deps build release run test soak bench-engine bench-wal clean

all: build

# liblz4-dev provides the LZ4 headers the WAL links against; install it when missing (root on Debian).
deps:
	@if ! [ -f /usr/include/lz4.h ]; then \
		echo "installing liblz4-dev"; \
		apt-get update -qq && apt-get install -y -qq liblz4-dev; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	.build/release/seatd --config $(CONFIG)

test: deps
	$(SWIFT) build
	$(SWIFT) test --parallel

# Longer fault runs: power cuts, EIO and ENOSPC at random operations (SEEDS seeds, default 5000).
SEEDS ?= 5000
soak: deps
	SEATD_POWERCUT_SEEDS=$(SEEDS) $(SWIFT) test --filter PowerCutTests

# The in-process engine benchmark (no network, no log).
bench-engine: release
	.build/release/seat-load engine

# The engine on a real log (fsync always) in a temp directory, then a timed recovery of it.
bench-wal: release
	dir=$$(mktemp -d) && .build/release/seat-load engine --data $$dir && .build/release/seat-load recover --data $$dir; \
	rm -rf $$dir

clean:
	rm -rf .build
