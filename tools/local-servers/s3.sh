#!/usr/bin/env bash
# Runs an S3-protocol server (s3rver) in the foreground, for machines without Docker and MinIO.
# Usage: PORT=9000 s3.sh DATA_DIR   (any access key and secret are accepted)
set -euo pipefail
here=$(dirname "$(realpath "$0")")
data=$(realpath -m "$1")
port=${PORT:?set PORT to the S3 port}
server="$here/node_modules/s3rver/bin/s3rver.js"
if [ ! -f "$server" ]; then
  echo "s3rver is not installed: run 'npm ci --prefix tools/local-servers' (./run.sh does it)." >&2
  exit 1
fi
mkdir -p "$data"
# On a restart the previous server may still be listening for a moment after it was told to stop;
# starting now would fail with the port in use, so wait (up to 10 s) until nothing answers on it.
echo "s3.sh: starting s3rver on 127.0.0.1:$port (pid $$)"
for attempt in $(seq 1 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  [ "$attempt" = 1 ] && echo "s3.sh: port $port still answers; waiting for the previous server to stop"
  sleep 0.1
done
exec node "$server" -d "$data" -a 127.0.0.1 -p "$port" --silent
