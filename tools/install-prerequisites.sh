#!/usr/bin/env bash
# Installs what the mesh needs besides .NET on a machine without Docker: the Debian RabbitMQ
# broker (apt) and the S3-protocol server (npm). Used by run.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "Installing rabbitmq-server (apt)..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >/dev/null; }
    # The mesh runs its own private broker; a system one started by the package would only hold ports.
    if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
      systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
    fi
  else
    echo "RabbitMQ is missing and Docker is not available. Install it with:" >&2
    echo "  sudo apt-get install -y rabbitmq-server" >&2
    exit 1
  fi
fi

# gcc compiles the engine's small native kernel library as the project builds (optional: without
# it the managed kernels run, slower on CPUs with AVX512_BF16).
if ! command -v gcc >/dev/null && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing gcc (apt)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc >/dev/null; } \
    || echo "gcc could not be installed: the managed kernels will run." >&2
fi

command -v node >/dev/null || { echo "Node.js is missing (the local S3 server runs on it): sudo apt-get install -y nodejs npm" >&2; exit 1; }
# Installed once: later runs (and offline machines) reuse it while the lockfile is unchanged.
stamp=tools/local-servers/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ tools/local-servers/package-lock.json -nt "$stamp" ]; then
  npm ci --prefix tools/local-servers --no-audit --no-fund --loglevel=error
fi
