#!/usr/bin/env bash
# Python's clickhouse-connect (ClickHouse's official Python client) in a virtual environment, for the suite
# that checks the SQL entrance with a client analysts use (test/e2e/analytics-sql.e2e-spec.ts).
#
#   bash infra/local/clickhouse-connect.sh     create or reuse the venv, print CLICKHOUSE_CONNECT_PYTHON=<python>
#
# stdout carries only the result line; pip's output goes to stderr. The venv lives in
# infra/local/.run/clickhouse-connect (CRM_RUN_DIR overrides .run). A test dependency only: the service never
# runs Python.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${CRM_RUN_DIR:-$HERE/.run}"
VENV="$RUN_DIR/clickhouse-connect"
# Pinned so that CI checks the entrance against one known client; raise it deliberately.
VERSION="${CLICKHOUSE_CONNECT_VERSION:-1.12.0}"
PYTHON="${PYTHON:-python3}"

if ! "$VENV/bin/python" -c "import clickhouse_connect, sys; sys.exit(clickhouse_connect.version() != '$VERSION')" 2>/dev/null; then
  mkdir -p "$RUN_DIR"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "clickhouse-connect==$VERSION" >&2
fi
echo "CLICKHOUSE_CONNECT_PYTHON=$VENV/bin/python"
