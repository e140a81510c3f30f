# Shared settings and helpers of compose/local/up and compose/local/down (sourced, not run).
#
# Everything is overridable from the environment:
#   LAKEHOUSE_CACHE        jar cache, reused by later runs           (default ~/.cache/lakehouse)
#   LAKEHOUSE_STACK_DIR    state: data, logs, pid files, configs      (default $TMPDIR/lakehouse-stack-$UID)
#   PG_PORT MARIADB_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT CONNECT_PORT
#                          (defaults 25432 23306 29092 29093 28083,
#                          the same host ports docker-compose.yaml publishes; below Linux's ephemeral
#                          range, 32768-60999, where an outgoing connection's local port could take one)
# Everything listens on 127.0.0.1 only.

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPOSE_DIR="$(dirname "$LOCAL_DIR")"
# The versions live in pom.xml only.
pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$LOCAL_DIR/pom.xml"; }
KAFKA_VERSION=$(pom_property kafka.version)
DEBEZIUM_VERSION=$(pom_property debezium.version)
DEBEZIUM_MARIADB_VERSION=$(pom_property debezium.mariadb.version)

HOST=127.0.0.1
PG_PORT=${PG_PORT:-25432}
KAFKA_PORT=${KAFKA_PORT:-29092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-29093}
CONNECT_PORT=${CONNECT_PORT:-28083}
PG_USER=postgres
PG_PASSWORD=postgres
PG_DATABASE=votersbook
MARIADB_PORT=${MARIADB_PORT:-23306}
MARIADB_USER=root
MARIADB_PASSWORD=mariadb
MARIADB_DATABASE=votersbook

CACHE_DIR="${LAKEHOUSE_CACHE:-$HOME/.cache/lakehouse}/stack"
KAFKA_JARS="$CACHE_DIR/kafka-$KAFKA_VERSION"
DEBEZIUM_PLUGINS="$CACHE_DIR/debezium-$DEBEZIUM_VERSION"
STATE_DIR="${LAKEHOUSE_STACK_DIR:-${TMPDIR:-/tmp}/lakehouse-stack-$(id -u)}"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
PG_DATA="$STATE_DIR/postgres"
MARIADB_DATA="$STATE_DIR/mariadb"

PG_URL="postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DATABASE"
MYSQL_URL="mysql://$MARIADB_USER:$MARIADB_PASSWORD@$HOST:$MARIADB_PORT/$MARIADB_DATABASE"
KAFKA_BROKERS="$HOST:$KAFKA_PORT"
CONNECT_URL="http://$HOST:$CONNECT_PORT"

say() { printf '[stack] %s\n' "$*" >&2; }

# fail MESSAGE [LOG]: one clear line, the tail of the log that explains it, and where the logs are.
fail() {
  printf 'error: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    printf -- '--- last lines of %s ---\n' "$2" >&2
    tail -n 25 "$2" >&2
    printf -- '---\n' >&2
  fi
  printf 'logs: %s\n' "$LOG_DIR" >&2
  exit 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# The newest installed PostgreSQL server's bin directory (one with initdb, not just the client), or nothing.
pg_bindir() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname; }

# Runs a PostgreSQL server command as the user that owns the cluster (postgres when we are root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The MariaDB server binary, or nothing.
mariadbd_path() { command -v mariadbd 2>/dev/null || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } || true; }

pid_alive() { [ -f "$PID_DIR/$1.pid" ] && kill -0 "$(cat "$PID_DIR/$1.pid")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# stop_java NAME SECONDS: SIGTERM, wait for a clean shutdown, then SIGKILL (any process with a pid file).
stop_java() {
  local name=$1 wait=$2 pid
  pid_alive "$name" || { rm -f "$PID_DIR/$name.pid"; return 0; }
  pid=$(cat "$PID_DIR/$name.pid")
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name did not stop within ${wait}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_DIR/$name.pid"
}

stop_postgres() {
  local bin
  bin=$(pg_bindir)
  [ -n "$bin" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
  say "stopping postgres"
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true
}

stop_mariadb() { stop_java mariadb 60; }
