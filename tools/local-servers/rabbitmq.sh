#!/usr/bin/env bash
# Runs a private RabbitMQ node in the foreground, for machines without Docker: its own epmd,
# ports, Erlang cookie and data folder, so it never touches a system broker. SIGTERM stops both.
# Usage: RABBITMQ_NODE_PORT=5672 rabbitmq.sh DATA_DIR
set -euo pipefail
data=$(realpath -m "$1")
port=${RABBITMQ_NODE_PORT:?set RABBITMQ_NODE_PORT to the AMQP port}
server=/usr/lib/rabbitmq/bin/rabbitmq-server
if [ ! -x "$server" ]; then
  echo "rabbitmq-server is not installed: run 'apt-get install -y rabbitmq-server' (Debian/Ubuntu), or use Docker, or Mesh:Infrastructure=external." >&2
  exit 1
fi

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

mkdir -p "$data/log"
# The default RABBITMQ_DIST_PORT (NODE_PORT+20000) overflows for high ports; pick free ones.
epmd_port=$(free_port)
dist_port=$(free_port)
# Jobs can train for hours before their ack; the default 30-minute consumer timeout would cancel them.
printf 'consumer_timeout = 86400000\nloopback_users.guest = true\n' > "$data/rabbitmq.conf"
: > "$data/enabled_plugins.erl"
echo '[].' > "$data/enabled_plugins.erl"
: > "$data/rabbitmq-env.conf"

export HOME="$data" ERL_EPMD_PORT="$epmd_port"
export RABBITMQ_NODENAME=finetunemesh@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT="$dist_port" RABBITMQ_MNESIA_BASE="$data/mnesia" RABBITMQ_LOG_BASE="$data/log" RABBITMQ_LOGS=-
export RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins.erl" RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf"
export RABBITMQ_CONF_ENV_FILE="$data/rabbitmq-env.conf" RABBITMQ_PID_FILE="$data/rabbitmq.pid"

# epmd runs as our child (not -daemon) so that stopping this script stops it too; the broker
# starts only once it listens, or Erlang would start a daemon epmd of its own that outlives us.
epmd -address 127.0.0.1 -port "$epmd_port" &
epmd_pid=$!
for _ in $(seq 50); do
  (echo > "/dev/tcp/127.0.0.1/$epmd_port") 2>/dev/null && break
  sleep 0.1
done
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false"
"$server" &
server_pid=$!
stop() { kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; kill "$epmd_pid" 2>/dev/null || true; exit 0; }
trap stop TERM INT
status=0
wait "$server_pid" || status=$?
kill "$epmd_pid" 2>/dev/null || true
exit $status
