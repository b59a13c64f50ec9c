#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests (test/e2e/console.e2e-spec.ts), idempotently,
# and prints where it is. playwright-core drives it through executablePath: no browser download.
#
#   eval "$(bash infra/local/chromium.sh)"    # exports CHROMIUM_PATH=/usr/bin/chromium
#
# Only `CHROMIUM_PATH=...` goes to stdout; apt's output goes to stderr.
set -euo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! path="$(find_chromium)"; then
  if ! command -v apt-get >/dev/null; then
    echo "[chromium.sh] no chromium and no apt-get: install chromium and set CHROMIUM_PATH" >&2
    exit 1
  fi
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
  echo "[chromium.sh] installing Debian's chromium" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2
  path="$(find_chromium)" || { echo "[chromium.sh] chromium did not install" >&2; exit 1; }
fi
echo "[chromium.sh] $("$path" --version 2>/dev/null || echo "$path")" >&2
echo "export CHROMIUM_PATH=$path"
