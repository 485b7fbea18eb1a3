#!/usr/bin/env bash
# Installs what seatd's build and tests need and the machine lacks, when run as root on Debian (make deps, and so
# make test and make run, call it; so does .ci/run on a fresh machine):
#   liblz4-dev, pkg-config   the LZ4 headers the log links against
#   libedit-dev              line editing and history for the prompt of `seatd cli`
#   redis-server             the Redis script's tests and the reference benchmark
#   nats-server, nats-py     the JetStream publishing tests (checked by a client seatd did not write)
#   etcd-server (etcd)       the etcd client's and `seatd cluster`'s tests (a throwaway member on loopback)
#   golang-go                the Go client's tests (clients/go)
#   locust (pip)             the Python client's Locust user test (clients/python)
#   node-typescript (tsc)    the TypeScript client's build and tests (clients/node; Node itself comes with it)
#   chromium                 the seat-map page in a headless browser (Tests/Browser)
#   prometheus (promtool)    `promtool check metrics` on the HTTP port's /metrics (HTTPProcessTests)
# Anything already there is left alone. Not root, or not Debian: it says what is missing and goes on (the tests
# that need a missing server then skip and say so).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=()
[ -f /usr/include/lz4.h ] || packages+=(liblz4-dev)
[ -f /usr/include/editline/readline.h ] || packages+=(libedit-dev)
command -v pkg-config >/dev/null || packages+=(pkg-config)
command -v redis-server >/dev/null || packages+=(redis-server)
command -v nats-server >/dev/null || packages+=(nats-server)
command -v etcd >/dev/null || packages+=(etcd-server)
command -v go >/dev/null || packages+=(golang-go)
command -v tsc >/dev/null || packages+=(node-typescript)
command -v chromium >/dev/null || packages+=(chromium)
command -v promtool >/dev/null || packages+=(prometheus)
python3 -c "import nats" 2>/dev/null || python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
if [ ${#packages[@]} -gt 0 ]; then
    if can_install; then
        echo "installing ${packages[*]}"
        apt-get update -qq
        apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        echo "missing (install as root with apt-get): ${packages[*]}" >&2
    fi
fi
if ! python3 -c "import nats" 2>/dev/null; then
    if python3 -m pip --version >/dev/null 2>&1; then
        echo "installing the Python package nats-py"
        python3 -m pip install --quiet nats-py 2>/dev/null \
            || python3 -m pip install --quiet --break-system-packages nats-py
    else
        echo "missing: the Python package nats-py (python3 -m pip install nats-py)" >&2
    fi
fi
if ! python3 -c "import locust" 2>/dev/null && python3 -m pip --version >/dev/null 2>&1; then
    echo "installing the Python package locust"
    python3 -m pip install --quiet locust 2>/dev/null || python3 -m pip install --quiet --break-system-packages locust \
        || echo "missing: the Python package locust (python3 -m pip install locust)" >&2
fi
