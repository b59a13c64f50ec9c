#!/usr/bin/env bash
# Installs the schemathesis CLI (from PyPI) into a private virtual environment, once.
#
#   export "$(bash infra/local/schemathesis.sh)"   # SCHEMATHESIS=<path to the binary>
#
# Idempotent: a second run finds the pinned version already installed and only prints the path.
# stdout carries only the `SCHEMATHESIS=...` line (for `export "$(...)"`); logs go to stderr.
# The version is pinned because the CLI's flags and checks change between releases.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
VENV="${SCHEMATHESIS_VENV:-$HERE/.run/schemathesis-venv}"
BIN="$VENV/bin/schemathesis"
PYTHON="${PYTHON:-python3}"

installed_version() { "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true; }

if [[ ! -x "$BIN" || "$(installed_version)" != "$VERSION" ]]; then
  echo "[schemathesis.sh] installing schemathesis $VERSION into $VENV" >&2
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
"$BIN" --version >&2
echo "SCHEMATHESIS=$BIN"
