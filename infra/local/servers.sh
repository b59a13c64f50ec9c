#!/usr/bin/env bash
# Starts/stops the local PostgreSQL and Kafka used by integration and e2e tests (no Docker).
#
#   eval "$(bash infra/local/servers.sh up)"    # CI: exports DATABASE_URL and KAFKA_BROKERS
#   bash infra/local/servers.sh down
#   bash infra/local/servers.sh status
#
# `up` prints only `export NAME=value` lines on stdout; every log line goes to stderr.
# Both servers start in parallel. See postgres.sh and kafka.sh for ports, files and options.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

to_exports() { sed -n 's/^\([A-Z_][A-Z0-9_]*\)=\(.*\)$/export \1=\2/p'; }

case "${1:-}" in
up)
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  bash "$HERE/postgres.sh" start >"$tmp/pg" &
  pg_pid=$!
  bash "$HERE/kafka.sh" start >"$tmp/kafka" &
  kafka_pid=$!
  rc=0
  wait "$pg_pid" || { echo "[servers.sh] PostgreSQL failed to start" >&2; rc=1; }
  wait "$kafka_pid" || { echo "[servers.sh] Kafka failed to start" >&2; rc=1; }
  [[ $rc -eq 0 ]] || exit "$rc"
  to_exports <"$tmp/pg"
  to_exports <"$tmp/kafka"
  ;;
down)
  rc=0
  bash "$HERE/kafka.sh" stop >/dev/null || rc=1
  bash "$HERE/postgres.sh" stop >/dev/null || rc=1
  exit "$rc"
  ;;
status)
  rc=0
  bash "$HERE/postgres.sh" status | to_exports || rc=1
  bash "$HERE/kafka.sh" status | to_exports || rc=1
  exit "$rc"
  ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
