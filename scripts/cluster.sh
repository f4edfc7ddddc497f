#!/usr/bin/env bash
# Several instances on one machine, as behind a production load balancer.
#
#   scripts/cluster.sh up [--api N] [--workers M]   start N api and M worker processes (default 2 and 2) of one
#                                                   Release build, behind nginx round-robin on http://localhost:8080
#   scripts/cluster.sh status                       which processes run
#   scripts/cluster.sh down                         stop them (the backing servers keep running; services.sh down)
#
# PostgreSQL, Redis and RabbitMQ come from scripts/services.sh; the schema is migrated once, before any instance
# starts. Every process logs to .local/cluster/<name>.log. nginx-light is installed with apt when missing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$REPO/.local/cluster"
BIN="$DIR/bin"
PORT="${CLUSTER_PORT:-8080}"
log() { echo "cluster: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_healthy() { # wait_healthy NAME URL
  local deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    alive "$DIR/$1.pid" || die "$1 exited during start-up, see $DIR/$1.log"
    ((SECONDS < deadline)) || die "$1 not healthy after 60 s, see $DIR/$1.log"
    sleep 0.5
  done
}

start_instance() { # start_instance NAME ROLE HTTP_PORT
  local name="$1" role="$2" port="$3"
  alive "$DIR/$name.pid" && { log "$name already running (pid $(cat "$DIR/$name.pid"))"; return; }
  (
    export Role="$role" ASPNETCORE_URLS="http://127.0.0.1:$port" ConnectionStrings__Postgres="$PG_APP_CONNECTION"
    export Database__MigrateOnStartup=false ASPNETCORE_FORWARDEDHEADERS_ENABLED=true Jwt__SigningKey="$(cat "$DIR/signing-key")"
    export Observability__LogFormat="${Observability__LogFormat:-simple}"
    export DOTNET_GCgen0size="${DOTNET_GCgen0size:-800000}"   # as scripts/run: a young generation of 8 MB on any CPU
    exec setsid dotnet "$BIN/TaskManager.dll" >>"$DIR/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$DIR/$name.pid"
  log "$name ($role) on 127.0.0.1:$port, pid $!"
}

nginx_conf() { # nginx_conf API_COUNT
  local servers="" i
  for ((i = 1; i <= $1; i++)); do servers+="    server 127.0.0.1:$((8100 + i)) max_fails=1 fail_timeout=2s;"$'\n'; done
  cat <<EOF
$( [[ $EUID -eq 0 ]] && echo "user root;" )
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log $DIR/nginx-access.log;
  client_body_temp_path $DIR/nginx-tmp/body;
  proxy_temp_path $DIR/nginx-tmp/proxy;
  upstream taskmanager {
$servers  }
  server {
    listen 127.0.0.1:$PORT;
    client_max_body_size 110m;
    location / {
      proxy_pass http://taskmanager;
      proxy_http_version 1.1;
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # Uploads stream through; a request is retried on another instance only if it is idempotent (nginx's default).
      proxy_request_buffering off;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
EOF
}

up() {
  local apis=2 workers=2
  while (($#)); do
    case "$1" in
      --api) apis="$2"; shift 2 ;;
      --workers) workers="$2"; shift 2 ;;
      *) die "unknown option $1 (--api N, --workers M)" ;;
    esac
  done
  [[ "$apis" =~ ^[1-9][0-9]?$ && "$workers" =~ ^[0-9]{1,2}$ ]] || die "--api takes 1-99, --workers 0-99"
  mkdir -p "$DIR/nginx-tmp"
  if ! command -v nginx >/dev/null 2>&1; then
    [[ $EUID -eq 0 ]] || die "nginx is not installed (apt-get install nginx-light)"
    log "installing nginx-light"
    DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >>"$DIR/apt.log" 2>&1 ||
      { apt-get update >>"$DIR/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >>"$DIR/apt.log" 2>&1; } ||
      die "could not install nginx-light, see $DIR/apt.log"
  fi
  "$REPO/scripts/services.sh" up >/dev/null
  # shellcheck source=/dev/null
  source "$REPO/.local/services.env"
  [[ -s "$DIR/signing-key" ]] || { umask 077; head -c 48 /dev/urandom | base64 -w0 >"$DIR/signing-key"; }
  log "building (Release) into $BIN"
  dotnet build "$REPO/TaskManager.csproj" -c Release -o "$BIN" -v q -nologo >"$DIR/build.log" 2>&1 || die "build failed, see $DIR/build.log"
  log "migrating once"
  Jwt__SigningKey="$(cat "$DIR/signing-key")" dotnet "$BIN/TaskManager.dll" migrate >>"$DIR/migrate.log" 2>&1 || die "migrate failed, see $DIR/migrate.log"
  local i
  for ((i = 1; i <= apis; i++)); do start_instance "api-$i" api $((8100 + i)); done
  for ((i = 1; i <= workers; i++)); do start_instance "worker-$i" worker $((8200 + i)); done
  for ((i = 1; i <= apis; i++)); do wait_healthy "api-$i" "http://127.0.0.1:$((8100 + i))/health/ready"; done
  for ((i = 1; i <= workers; i++)); do wait_healthy "worker-$i" "http://127.0.0.1:$((8200 + i))/health/live"; done
  nginx_conf "$apis" >"$DIR/nginx.conf"
  if alive "$DIR/nginx.pid"; then nginx -c "$DIR/nginx.conf" -s reload; else nginx -c "$DIR/nginx.conf"; fi
  wait_healthy nginx "http://127.0.0.1:$PORT/health/ready"
  log "$apis api and $workers worker instances behind http://localhost:$PORT (logs: $DIR)"
}

down() {
  local pidfile name
  if alive "$DIR/nginx.pid"; then nginx -c "$DIR/nginx.conf" -s quit && log "nginx stopped"; fi
  for pidfile in "$DIR"/api-*.pid "$DIR"/worker-*.pid; do
    [[ -e "$pidfile" ]] || continue
    name="$(basename "$pidfile" .pid)"
    if alive "$pidfile"; then
      local pid; pid="$(cat "$pidfile")"
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      log "$name stopped"
    fi
    rm -f "$pidfile"
  done
}

status() {
  local pidfile
  for pidfile in "$DIR"/api-*.pid "$DIR"/worker-*.pid "$DIR"/nginx.pid; do
    [[ -e "$pidfile" ]] || continue
    if alive "$pidfile"; then echo "$(basename "$pidfile" .pid): running (pid $(cat "$pidfile"))"
    else echo "$(basename "$pidfile" .pid): stopped"; fi
  done
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [--api N] [--workers M] | status | down" >&2; exit 2 ;;
esac
