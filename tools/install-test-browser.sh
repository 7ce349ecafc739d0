#!/usr/bin/env bash
# Installs the browser the Studio's tests drive: Debian's chromium (Playwright cannot download its
# own build here, so the tests point it at /usr/bin/chromium). Used by test.sh; safe to run again.
set -euo pipefail

if command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing chromium (apt) for the Studio's browser tests..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
else
  echo "Chromium is missing; the Studio's browser tests need it. Install it with:" >&2
  echo "  sudo apt-get install -y chromium" >&2
  exit 1
fi
