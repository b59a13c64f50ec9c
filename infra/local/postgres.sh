#!/usr/bin/env bash
# Local PostgreSQL for tests and CI, without Docker.
#
#   bash infra/local/postgres.sh start     install (apt) if needed, init, start, create role+db, print DATABASE_URL
#   bash infra/local/postgres.sh stop      fast shutdown
#   bash infra/local/postgres.sh restart   fast restart (data kept); `restart immediate` simulates a crash
#   bash infra/local/postgres.sh status    exit 0 when running and accepting connections
#   bash infra/local/postgres.sh url       print the DATABASE_URL
#   bash infra/local/postgres.sh reset     stop and delete the cluster (next start re-initialises)
#
# stdout carries only the result line (DATABASE_URL=...); every log line goes to stderr.
# Cluster:   infra/local/.run/pg/data (owned by `postgres` when run as root: initdb refuses root)
# Server log: infra/local/.run/pg/postgres.log
# Listens on 127.0.0.1:${PGPORT:-55432} only (no unix socket), scram-sha-256 password auth over TCP.
# Role `crm` (password `crm`, CREATEDB) owns database `crm`; superuser `postgres` has password `postgres`.
#
# Durability trade-off for speed: fsync=off and full_page_writes=off. Safe against a crash of the
# PostgreSQL processes (kill -9, `restart immediate`): committed WAL is in the OS page cache.
# Not safe against an OS crash, which does not matter for a throw-away test cluster.
# Set PG_DURABLE=1 before the first start to keep PostgreSQL's defaults.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${CRM_RUN_DIR:-$HERE/.run}"
PG_DIR="${PG_DIR:-$RUN_DIR/pg}"
PGDATA_DIR="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PORT="${PGPORT:-55432}"
HOST=127.0.0.1
DB_NAME=crm
DB_USER=crm
DB_PASSWORD=crm
SUPER_PASSWORD=postgres
DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@$HOST:$PORT/$DB_NAME"

log() { echo "[postgres.sh] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

find_bin_dir() {
  local d
  # newest major version first
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/pg_isready" && -x "$d/psql" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

ensure_installed() {
  if BIN="$(find_bin_dir)"; then return 0; fi
  log "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: installing Debian's postgresql package"
  local sudo=""
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install the 'postgresql' package first"
    sudo="sudo"
  fi
  # The package's maintainer scripts may create and start a default cluster on 5432; we never use it.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
  BIN="$(find_bin_dir)" || die "postgresql installed but initdb/pg_ctl still not found"
}

# Run a command as the cluster owner: `postgres` when we are root, ourselves otherwise.
# fd 9 (the lock) is closed so the server started by pg_ctl does not keep holding it.
as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

psql_super() {
  PGPASSWORD="$SUPER_PASSWORD" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d postgres "$@"
}

is_running() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] || return 1
  as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

wait_ready() {
  local deadline=$((SECONDS + ${PG_START_TIMEOUT:-60}))
  until "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -d postgres; do
    ((SECONDS < deadline)) || die "PostgreSQL not ready on $HOST:$PORT after ${PG_START_TIMEOUT:-60}s (see $PG_LOG)"
    sleep 0.2
  done
}

init_cluster() {
  [[ -f "$PGDATA_DIR/PG_VERSION" ]] && return 0
  log "initialising cluster in $PGDATA_DIR"
  mkdir -p "$PG_DIR"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' missing (it is created by the postgresql package)"
    chown postgres:postgres "$PG_DIR"
    runuser -u postgres -- test -x "$PG_DIR" ||
      die "user 'postgres' cannot reach $PG_DIR (a parent directory is not traversable); set CRM_RUN_DIR or PG_DIR to a path it can reach"
  fi
  chmod 700 "$PG_DIR"
  local pwfile="$PG_DIR/.pwfile"
  printf '%s\n' "$SUPER_PASSWORD" >"$pwfile"
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
  as_owner "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C >>"$PG_LOG" 2>&1 ||
    {
      rm -f "$pwfile"
      die "initdb failed (see $PG_LOG)"
    }
  rm -f "$pwfile"
  local durability=""
  if [[ "${PG_DURABLE:-0}" != "1" ]]; then
    durability=$'fsync = off\nfull_page_writes = off'
  fi
  cat >>"$PGDATA_DIR/postgresql.conf" <<EOF

# ---- infra/local/postgres.sh ----
listen_addresses = '$HOST'
unix_socket_directories = ''
max_connections = 200
password_encryption = 'scram-sha-256'
$durability
EOF
  # Loopback TCP only, password (scram) auth; no unix socket at all.
  cat >"$PGDATA_DIR/pg_hba.conf" <<EOF
# TYPE  DATABASE  USER  ADDRESS        METHOD
host    all       all   127.0.0.1/32   scram-sha-256
EOF
}

create_role_and_db() {
  local has_role has_db
  has_role="$(psql_super -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")"
  if [[ "$has_role" != "1" ]]; then
    log "creating role $DB_USER"
    psql_super -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'" >&2
  fi
  has_db="$(psql_super -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
  if [[ "$has_db" != "1" ]]; then
    log "creating database $DB_NAME"
    psql_super -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >&2
  fi
}

do_start() {
  ensure_installed
  init_cluster
  if is_running; then
    log "already running ($PGDATA_DIR)"
  else
    log "starting PostgreSQL ($($BIN/postgres --version)) on $HOST:$PORT, log: $PG_LOG"
    touch "$PG_LOG"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_LOG"
    as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -o "-p $PORT" -w -t "${PG_START_TIMEOUT:-60}" start >&2 ||
      die "pg_ctl start failed (see $PG_LOG)"
  fi
  wait_ready
  create_role_and_db
  log "ready"
  echo "DATABASE_URL=$DATABASE_URL"
}

do_stop() {
  local mode="${1:-fast}"
  BIN="$(find_bin_dir)" || {
    log "PostgreSQL not installed; nothing to stop"
    return 0
  }
  if is_running; then
    log "stopping PostgreSQL (mode $mode)"
    as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -m "$mode" -w -t 60 stop >&2
  else
    log "not running"
  fi
}

do_restart() {
  local mode="${1:-fast}"
  case "$mode" in fast | immediate | smart) ;; *) die "restart mode must be fast|immediate|smart" ;; esac
  do_stop "$mode"
  do_start
}

do_status() {
  BIN="$(find_bin_dir)" || {
    log "not installed"
    return 1
  }
  if is_running && "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -d postgres; then
    log "running on $HOST:$PORT ($PGDATA_DIR)"
    echo "DATABASE_URL=$DATABASE_URL"
    return 0
  fi
  log "not running"
  return 1
}

do_reset() {
  do_stop fast
  log "deleting $PG_DIR"
  rm -rf "$PG_DIR"
}

cmd="${1:-}"
shift || true
mkdir -p "$RUN_DIR"
# Serialise concurrent invocations (parallel CI steps) on one lock per cluster.
exec 9>"$RUN_DIR/postgres.lock"
flock -w 120 9 || die "timed out waiting for $RUN_DIR/postgres.lock"
case "$cmd" in
start) do_start ;;
stop) do_stop "${1:-fast}" ;;
restart) do_restart "${1:-fast}" ;;
status) do_status ;;
url) echo "DATABASE_URL=$DATABASE_URL" ;;
reset) do_reset ;;
*)
  echo "usage: $0 start|stop|restart [fast|immediate]|status|url|reset" >&2
  exit 2
  ;;
esac
