#!/usr/bin/env bash
# Development/test backing services: PostgreSQL 15, Redis, RabbitMQ.
#
#   scripts/services.sh up [postgres|redis|rabbitmq ...]   start (default: all), write .local/services.env
#   scripts/services.sh down [service ...]                 stop what this script started
#   scripts/services.sh clean [service ...]                stop, then delete their local data
#   scripts/services.sh status                             running/stopped per service
#   scripts/services.sh env                                print the export lines
#   scripts/services.sh rabbitmqctl ARGS...                rabbitmqctl against the local node
#
# Uses Docker Compose (compose.services.yaml) when a Docker engine is reachable, otherwise
# local servers bound to 127.0.0.1 with all state under <repo>/.local/services/.
# PG_FAST=1 turns off fsync/synchronous_commit/full_page_writes (tests only; never benchmarks).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$REPO/.local/services"
LOGS="$STATE/logs"
ENV_FILE="$REPO/.local/services.env"
COMPOSE_FILE="$REPO/compose.services.yaml"

PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
REDIS_CACHE_PORT="${REDIS_CACHE_PORT:-56380}"
REDIS_CACHE_MAXMEMORY="${REDIS_CACHE_MAXMEMORY:-256mb}"
RABBITMQ_PORT="${RABBITMQ_PORT:-55672}"
RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-55682}"
ERL_EPMD_PORT="${ERL_EPMD_PORT:-54369}"
export PG_PORT REDIS_PORT REDIS_CACHE_PORT RABBITMQ_PORT   # for compose interpolation

ALL_SERVICES=(postgres redis rabbitmq)
RMQ_NODE="taskmanager@localhost"
RMQ_COOKIE="TASKMANAGERDEVCOOKIE"
APT_UPDATED=0

log() { echo "services: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
pidfile_pid() { [[ -s "$1" ]] && tr -dc '0-9' <"$1" || true; }

apt_install() { # apt_install PACKAGE  (root only; apt-get update at most once per run)
  local pkg="$1"
  mkdir -p "$LOGS"
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update (log: $LOGS/apt.log)"
    apt-get update >>"$LOGS/apt.log" 2>&1 || die "apt-get update failed, see $LOGS/apt.log"
    APT_UPDATED=1
  fi
  log "installing $pkg (log: $LOGS/apt.log)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >>"$LOGS/apt.log" 2>&1 \
    || die "apt-get install $pkg failed, see $LOGS/apt.log"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs="$1" what="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what not ready after ${secs}s"
    sleep 0.3
  done
}

prepare_state_dir() {
  mkdir -p "$LOGS"
  # The postgres user must be able to traverse into .local/services.
  chmod o+x "$REPO/.local" "$STATE" "$LOGS"
}

# ---------------------------------------------------------------- docker compose
COMPOSE=()
detect_docker() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1 || return 1
  if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1 && docker-compose version >/dev/null 2>&1; then COMPOSE=(docker-compose)
  else return 1; fi
  COMPOSE+=(-f "$COMPOSE_FILE" -p taskmanager-services)
}

compose_health() { # prints healthy/starting/unhealthy/stopped
  local id; id="$("${COMPOSE[@]}" ps -q "$1" 2>/dev/null | head -n1)"
  [[ -n "$id" ]] || { echo stopped; return; }
  docker inspect -f '{{if .State.Running}}{{if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}{{else}}stopped{{end}}' "$id" 2>/dev/null || echo stopped
}

compose_up() {
  if [[ "${PG_FAST:-0}" == 1 ]]; then export PG_FSYNC=off PG_SYNC_COMMIT=off PG_FULL_PAGE_WRITES=off; fi
  log "docker compose up: $*"
  "${COMPOSE[@]}" up -d "$@" >&2
  local svc deadline=$((SECONDS + 90))
  for svc in "$@"; do
    until [[ "$(compose_health "$svc")" == healthy ]]; do
      ((SECONDS < deadline)) || die "$svc container not healthy after 90s"
      sleep 1
    done
    log "$svc healthy"
    if [[ $svc == postgres ]]; then
      "${COMPOSE[@]}" exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U taskmanager -d taskmanager -c "$PG_APP_ROLE_SQL" >&2
    fi
  done
}

# ---------------------------------------------------------------- postgres
as_pg() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

# The server runs as 'postgres', which cannot enter a clone inside a private (700) home. There its state
# lives in a folder of its own under /var/tmp, one per clone, and nobody's home changes mode.
PG_HOME="$STATE/postgres"
if is_root && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$REPO" 2>/dev/null; then
  PG_HOME="/var/tmp/taskmanager-postgres-$(echo "$REPO" | md5sum | cut -c1-8)"
  PG_OUTSIDE=1
fi
PG_DATA="$PG_HOME/data"
PG_SOCK="$PG_HOME/run"
PG_LOG="$PG_HOME/postgres.log"
PG_BIN=""
# Unix socket paths are limited to ~107 bytes; fall back to /tmp for very deep repos.
if (( ${#PG_SOCK} > 90 )); then PG_SOCK="/tmp/taskmanager-pg-$(echo "$PG_HOME" | md5sum | cut -c1-8)"; fi

locate_pg_bin() { # prefers 15, else the newest installed major
  PG_BIN=/usr/lib/postgresql/15/bin
  [[ -x "$PG_BIN/pg_ctl" ]] || PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  [[ -n "$PG_BIN" && -x "$PG_BIN/pg_ctl" ]]
}
find_pg_bin() {
  locate_pg_bin && return 0
  is_root || die "PostgreSQL not found: install it (apt-get install postgresql)"
  apt_install postgresql
  locate_pg_bin || die "PostgreSQL still not found after installing"
}

pg_running() { [[ -f "$PG_DATA/PG_VERSION" ]] && [[ -n "$PG_BIN" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }
pg_pid() { head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true; }
pg_sql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -tAc "$1"; }

pg_up() {
  find_pg_bin
  prepare_state_dir
  local owner=postgres; is_root || owner="$(id -un)"
  mkdir -p "$PG_HOME" "$PG_DATA" "$PG_SOCK"
  chmod o+x "$PG_HOME"
  [[ "${PG_OUTSIDE:-0}" == 1 ]] && log "postgres: user postgres cannot enter $REPO, so its data is kept in $PG_HOME"
  touch "$PG_LOG"
  if is_root; then chown postgres: "$PG_DATA" "$PG_SOCK" "$PG_LOG"; fi
  chmod 700 "$PG_DATA"
  as_pg test -w "$PG_DATA" || die "user '$owner' cannot write $PG_DATA"

  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "postgres: initdb $PG_DATA"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 || die "initdb failed, see $PG_LOG"
  fi
  if pg_running; then
    log "postgres: already running (pid $(pg_pid), 127.0.0.1:$PG_PORT)"
  else
    port_open "$PG_PORT" && die "port $PG_PORT is in use by another process (set PG_PORT)"
    local opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_SOCK -c max_connections=200"
    if [[ "${PG_FAST:-0}" == 1 ]]; then opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
    log "postgres: starting on 127.0.0.1:$PG_PORT${PG_FAST:+ (PG_FAST=$PG_FAST)}"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -o "$opts" start >/dev/null 9>&- \
      || die "postgres failed to start, see $PG_LOG"
  fi
  # Idempotent role/database provisioning over the local (trust) socket.
  if [[ "$(pg_sql "select 1 from pg_roles where rolname='taskmanager'")" != 1 ]]; then
    log "postgres: creating role taskmanager"
    pg_sql "create role taskmanager login createdb password 'taskmanager'"
  fi
  if [[ "$(pg_sql "select 1 from pg_database where datname='taskmanager'")" != 1 ]]; then
    log "postgres: creating database taskmanager"
    pg_sql "create database taskmanager owner taskmanager"
  fi
  pg_sql "$PG_APP_ROLE_SQL"
}

# The service's least-privileged login role: it owns nothing and can create nothing; each migration run
# (as the owner, taskmanager) grants it row access to the tables (Database__AppRole). Idempotent.
PG_APP_ROLE_SQL="do \$\$ begin
  if not exists (select 1 from pg_roles where rolname = 'taskmanager_app') then
    create role taskmanager_app login nosuperuser nocreatedb nocreaterole password 'taskmanager_app';
  end if;
  -- the owner may end the app role's sessions (DROP DATABASE ... WITH (FORCE) in tests and tools)
  if not pg_has_role('taskmanager', 'taskmanager_app', 'member') then
    grant taskmanager_app to taskmanager;
  end if;
  -- benchmarks start each measured phase from a checkpoint (bench/import.sh, bench/run.sh)
  if exists (select 1 from pg_roles where rolname = 'pg_checkpoint') and not pg_has_role('taskmanager', 'pg_checkpoint', 'member') then
    grant pg_checkpoint to taskmanager;
  end if;
end \$\$"

pg_down() {
  if locate_pg_bin && pg_running; then
    log "postgres: stopping (pid $(pg_pid))"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  else
    log "postgres: not running"
  fi
}

pg_status() {
  locate_pg_bin || { echo "postgres: not installed"; return; }
  if pg_running; then echo "postgres: running (pid $(pg_pid), 127.0.0.1:$PG_PORT)"; else echo "postgres: stopped"; fi
}

# ---------------------------------------------------------------- redis
# Two servers: one for state that must never be evicted (cache generations, rate-limit windows), and one for cached
# pages that evicts the least recently used when full, so no reader can push the other out (docs/operations.md).
REDIS_DIR="$STATE/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_CACHE_PID="$REDIS_DIR/redis-cache.pid"

redis_one_running() { # pidfile
  local pid; pid="$(pidfile_pid "$1")"
  pid_alive "$pid" && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null
}
redis_running() { redis_one_running "$REDIS_PID" && redis_one_running "$REDIS_CACHE_PID"; }

redis_one_up() { # name port pidfile extra-args...
  local name="$1" port="$2" pidfile="$3"; shift 3
  if redis_one_running "$pidfile"; then log "$name: already running (pid $(pidfile_pid "$pidfile"), 127.0.0.1:$port)"; return 0; fi
  port_open "$port" && die "port $port is in use by another process (set REDIS_PORT / REDIS_CACHE_PORT)"
  log "$name: starting on 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes "$@" \
    --pidfile "$pidfile" --dir "$REDIS_DIR" --logfile "$LOGS/$name.log" >>"$LOGS/$name.log" 2>&1 9>&- \
    || die "$name failed to start, see $LOGS/$name.log"
  wait_for 15 "$name" bash -c "redis-cli -h 127.0.0.1 -p $port ping 2>/dev/null | grep -q PONG"
}

redis_up() {
  if ! command -v redis-server >/dev/null 2>&1; then
    if is_root; then apt_install redis-server
    else log "redis: not installed - install redis-server (apt-get install redis-server); continuing without Redis"; return 0; fi
  fi
  prepare_state_dir
  mkdir -p "$REDIS_DIR"
  redis_one_up redis "$REDIS_PORT" "$REDIS_PID" --maxmemory-policy noeviction
  redis_one_up redis-cache "$REDIS_CACHE_PORT" "$REDIS_CACHE_PID" --maxmemory "$REDIS_CACHE_MAXMEMORY" --maxmemory-policy allkeys-lru
}

redis_one_down() { # name pidfile
  if redis_one_running "$2"; then
    local pid; pid="$(pidfile_pid "$2")"
    log "$1: stopping (pid $pid)"
    kill "$pid"
    wait_for 15 "$1 shutdown" bash -c "! kill -0 $pid 2>/dev/null"
    rm -f "$2"
  else
    log "$1: not running"
  fi
}

redis_down() {
  redis_one_down redis-cache "$REDIS_CACHE_PID"
  redis_one_down redis "$REDIS_PID"
}

redis_status() {
  if ! command -v redis-server >/dev/null 2>&1; then echo "redis: not installed (optional; install redis-server (apt-get install redis-server))"
  elif redis_running; then echo "redis: running (pids $(pidfile_pid "$REDIS_PID") $(pidfile_pid "$REDIS_CACHE_PID"), 127.0.0.1:$REDIS_PORT and :$REDIS_CACHE_PORT for pages)"
  else echo "redis: stopped"; fi
}

# ---------------------------------------------------------------- rabbitmq
RMQ_DIR="$STATE/rabbitmq"
RMQ_PID="$RMQ_DIR/rabbitmq.pid"
RMQ_ENV=(
  HOME="$RMQ_DIR/home"
  ERL_CRASH_DUMP="$LOGS/erl_crash.dump"
  RABBITMQ_NODENAME="$RMQ_NODE"
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  RABBITMQ_NODE_PORT="$RABBITMQ_PORT"
  RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT"
  ERL_EPMD_ADDRESS=127.0.0.1
  ERL_EPMD_PORT="$ERL_EPMD_PORT"
  RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
  RABBITMQ_LOG_BASE="$LOGS/rabbitmq"
  RABBITMQ_PID_FILE="$RMQ_PID"
  RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
  RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf"   # keep /etc/rabbitmq out of it
  RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf"
  RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
)
rmq_sbin() { ls -d /usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin 2>/dev/null | sort -V | tail -n1 || true; }
rmq() { env "${RMQ_ENV[@]}" "$(rmq_sbin)/$1" "${@:2}"; }
rmq_running() {
  local pid; pid="$(pidfile_pid "$RMQ_PID")"
  pid_alive "$pid" && grep -q beam "/proc/$pid/cmdline" 2>/dev/null
}
epmd_bin() { command -v epmd 2>/dev/null || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | tail -n1; }

rabbitmq_up() {
  if [[ -z "$(rmq_sbin)" ]]; then
    if is_root; then apt_install rabbitmq-server
    else log "rabbitmq: not installed - install rabbitmq-server (apt-get install rabbitmq-server); continuing without RabbitMQ"; return 0; fi
  fi
  prepare_state_dir
  mkdir -p "$RMQ_DIR/home" "$RMQ_DIR/mnesia" "$LOGS/rabbitmq"
  echo '[].' >"$RMQ_DIR/enabled_plugins"
  local cookie="$RMQ_DIR/home/.erlang.cookie"
  if [[ "$(cat "$cookie" 2>/dev/null)" != "$RMQ_COOKIE" ]]; then
    chmod 600 "$cookie" 2>/dev/null || true
    printf '%s' "$RMQ_COOKIE" >"$cookie"
  fi
  chmod 400 "$cookie"
  if rmq_running; then log "rabbitmq: already running (pid $(pidfile_pid "$RMQ_PID"), 127.0.0.1:$RABBITMQ_PORT)"; return 0; fi
  port_open "$RABBITMQ_PORT" && die "port $RABBITMQ_PORT is in use by another process (set RABBITMQ_PORT)"
  log "rabbitmq: starting on 127.0.0.1:$RABBITMQ_PORT (log: $LOGS/rabbitmq/)"
  rm -f "$RMQ_PID"
  local start=$SECONDS
  setsid nohup env "${RMQ_ENV[@]}" "$(rmq_sbin)/rabbitmq-server" >>"$LOGS/rabbitmq/console.log" 2>&1 </dev/null 9>&- &
  local bg=$! deadline=$((SECONDS + 60))
  until port_open "$RABBITMQ_PORT"; do
    pid_alive "$bg" || rmq_running || die "rabbitmq exited during startup, see $LOGS/rabbitmq/"
    ((SECONDS < deadline)) || die "rabbitmq not ready after 60s, see $LOGS/rabbitmq/"
    sleep 0.5
  done
  rmq rabbitmqctl -q -n "$RMQ_NODE" await_startup --timeout 30 >>"$LOGS/rabbitmq/console.log" 2>&1 \
    || die "rabbitmq await_startup failed, see $LOGS/rabbitmq/"
  log "rabbitmq: ready after $((SECONDS - start))s"
}

rabbitmq_down() {
  if rmq_running; then
    log "rabbitmq: stopping (pid $(pidfile_pid "$RMQ_PID"))"
    rmq rabbitmqctl -q -n "$RMQ_NODE" stop "$RMQ_PID" >>"$LOGS/rabbitmq/console.log" 2>&1 || {
      log "rabbitmq: rabbitmqctl stop failed, sending TERM"
      local pid; pid="$(pidfile_pid "$RMQ_PID")"; kill "$pid" 2>/dev/null || true
      wait_for 30 "rabbitmq shutdown" bash -c "! kill -0 $pid 2>/dev/null"
    }
  else
    log "rabbitmq: not running"
  fi
  # epmd on our private port was started by the node; it refuses to die while nodes are registered.
  local epmd; epmd="$(epmd_bin)"
  if [[ -n "$epmd" ]] && port_open "$ERL_EPMD_PORT"; then
    ERL_EPMD_PORT="$ERL_EPMD_PORT" "$epmd" -kill >/dev/null 2>&1 && log "rabbitmq: epmd on port $ERL_EPMD_PORT stopped" || true
  fi
}

rabbitmq_status() {
  if [[ -z "$(rmq_sbin)" ]]; then echo "rabbitmq: not installed (install rabbitmq-server (apt-get install rabbitmq-server))"
  elif rmq_running; then echo "rabbitmq: running (pid $(pidfile_pid "$RMQ_PID"), 127.0.0.1:$RABBITMQ_PORT)"
  else echo "rabbitmq: stopped"; fi
}

# ---------------------------------------------------------------- commands
env_lines() {
  if port_open "$PG_PORT"; then
    # The owner: tests create their databases with it, and migrations run as it.
    echo "export ConnectionStrings__Postgres=\"Host=127.0.0.1;Port=$PG_PORT;Database=taskmanager;Username=taskmanager;Password=taskmanager\""
    # The least-privileged role scripts/run serves as (not a setting the service reads).
    echo "export PG_APP_CONNECTION=\"Host=127.0.0.1;Port=$PG_PORT;Database=taskmanager;Username=taskmanager_app;Password=taskmanager_app\""
    echo "export PG_PORT=$PG_PORT"   # for the scripts that reach it with psql (bench/)
  fi
  if port_open "$REDIS_PORT"; then echo "export ConnectionStrings__Redis=\"127.0.0.1:$REDIS_PORT\""; fi
  if port_open "$REDIS_CACHE_PORT"; then echo "export ConnectionStrings__RedisCache=\"127.0.0.1:$REDIS_CACHE_PORT\""; fi
  if port_open "$RABBITMQ_PORT"; then
    echo "export RabbitMq__Host=127.0.0.1"
    echo "export RabbitMq__Port=$RABBITMQ_PORT"
    echo "export RabbitMq__Username=guest"
    echo "export RabbitMq__Password=guest"
    echo "export RabbitMq__VirtualHost=/"
    # The node's own ports too: `scripts/services.sh rabbitmqctl` (tests make virtual hosts with it) then reaches this
    # node from any shell that sourced this file, not one on the default ports.
    echo "export RABBITMQ_PORT=$RABBITMQ_PORT RABBITMQ_DIST_PORT=$RABBITMQ_DIST_PORT ERL_EPMD_PORT=$ERL_EPMD_PORT"
  fi
}

select_services() { # validates args, defaults to all
  SELECTED=("$@")
  ((${#SELECTED[@]})) || SELECTED=("${ALL_SERVICES[@]}")
  local s
  for s in "${SELECTED[@]}"; do
    case "$s" in postgres|redis|rabbitmq) ;; *) die "unknown service '$s' (postgres|redis|rabbitmq)";; esac
  done
}

svc_fn() { case "$1" in postgres) echo pg;; *) echo "$1";; esac; }

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in up|down|status|env) ;;
    clean) # stop, then delete the data of the given services (default: all)
      main down "$@"; select_services "$@"
      local dirs=() s
      for s in "${SELECTED[@]}"; do case "$s" in postgres) dirs+=("$PG_HOME");; redis) dirs+=("$REDIS_DIR");; rabbitmq) dirs+=("$RMQ_DIR");; esac; done
      (($#)) || dirs+=("$STATE" "$ENV_FILE")
      log "deleting ${dirs[*]}"; rm -rf "${dirs[@]}"; return ;;
    rabbitmqctl) # run rabbitmqctl against our node (tests use it to make a virtual host of their own)
      if detect_docker; then "${COMPOSE[@]}" exec -T rabbitmq rabbitmqctl "$@"; else rmq rabbitmqctl -n "$RMQ_NODE" "$@"; fi
      return ;;
    *) echo "usage: $0 up|down [postgres|redis|rabbitmq ...] | status | env | clean [service ...] | rabbitmqctl ARGS" >&2; exit 2;; esac
  mkdir -p "$STATE"
  if [[ $cmd == up || $cmd == down ]]; then
    # Serialise concurrent up/down. Servers are started with fd 9 closed so they don't hold the lock.
    exec 9>"$STATE/.lock"
    flock -w 300 9 || die "another 'services.sh up/down' is still running (lock $STATE/.lock)"
  fi
  select_services "$@"
  local docker=0 s; detect_docker && docker=1

  case "$cmd" in
    up)
      # "redis" is two servers: the state one and the one for cached pages.
      if ((docker)); then compose_up "${SELECTED[@]}" $([[ " ${SELECTED[*]} " == *" redis "* ]] && echo redis-cache)
      else for s in "${SELECTED[@]}"; do "$(svc_fn "$s")_up"; done; fi
      env_lines >"$ENV_FILE"
      cat "$ENV_FILE"
      log "use them with: source .local/services.env"
      ;;
    down)
      if ((docker)); then
        if (($#)); then "${COMPOSE[@]}" stop "${SELECTED[@]}" $([[ " ${SELECTED[*]} " == *" redis "* ]] && echo redis-cache) >&2; else "${COMPOSE[@]}" down >&2; fi
      else for s in "${SELECTED[@]}"; do "$(svc_fn "$s")_down"; done; fi
      ;;
    status)
      if ((docker)); then for s in "${SELECTED[@]}"; do echo "$s: $(compose_health "$s") (docker)"; done
      else for s in "${SELECTED[@]}"; do "$(svc_fn "$s")_status"; done; fi
      ;;
    env) env_lines ;;
  esac
}

main "$@"
