#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: Chromium and its headless shell
# for browser tests, nginx for the several-servers topology (tests/infra/test_topology.py,
# `make topology`). With the argument `bench`, also wrk, the load generator of `make bench` and bench/topology.py.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The tests drive Chromium's headless shell (tests/chromium.py says why); the benches the browser.
command -v chromium-headless-shell >/dev/null 2>&1 || missing+=(chromium-headless-shell)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# nginx lives in /usr/sbin, which a non-root PATH may lack.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# redis-server, which tests start as their own (tests/scratch_redis.py, the Redis fault tests).
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
# pg_dump, for `flask backup` on PostgreSQL (tests/backup).
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -qq
# nginx is only run by the tests and `make topology`, on their own ports: never as a system service.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
