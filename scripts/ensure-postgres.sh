#!/usr/bin/env bash
# Starts the local PostgreSQL cluster when it is installed but down. Tests decide what "unreachable"
# means (a skip locally, a failure with CI set).
set -uo pipefail
host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port"; then exit 0; fi
if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    echo "Starting PostgreSQL $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
  done
fi
if [ -n "${CI:-}" ]; then
  echo "PostgreSQL at $host:$port is unreachable and CI is set" >&2
  exit 1
fi
echo "PostgreSQL at $host:$port is unreachable: PostgreSQL tests will be skipped" >&2
exit 0
