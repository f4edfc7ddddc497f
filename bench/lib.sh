# Shared by bench/webhooks.sh and bench/streams.sh (sourced, not run): the backing services, a Release build, a
# database of its own with the schema, and start ROLE PORT to run the service as production does (the API and the
# worker as two processes over RabbitMQ, in a virtual host of its own; durable PostgreSQL; rate limits off).
#   bench_setup NAME DB      NAME names the log lines and the virtual host; DB is dropped and created again
#   start ROLE PORT [Name=value ...]   settings after the port go to that process
# Leaves: psql_, log, $work (removed on exit), $conn, pids (stopped on exit), api_pid (the last api started).
bench_setup() {
  bench_name="$1"; db="$2"
  scripts/services.sh up postgres rabbitmq >/dev/null
  source .local/services.env
  dotnet build TaskManager.csproj -c Release -nologo -v quiet >/dev/null
  export PGPASSWORD=taskmanager
  # As scripts/run runs the service: an 8 MB young generation, whatever the CPU's cache (docs/benchmarks.md).
  export DOTNET_GCgen0size="${DOTNET_GCgen0size:-800000}"
  [[ $(psql_ -d postgres -tAc "SHOW synchronous_commit") == on ]] || { log "PostgreSQL is not durable (PG_FAST?): restart it without"; exit 1; }
  work="$(mktemp -d)"
  pids=()
  api_pid=""
  VHOST="taskmanager-bench-$bench_name-$$"
  trap bench_cleanup EXIT
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  conn="Host=127.0.0.1;Port=${PG_PORT:-55432};Database=$db;Username=taskmanager;Password=taskmanager"
  ConnectionStrings__Postgres="$conn" dotnet bin/Release/net10.0/TaskManager.dll migrate >/dev/null
  scripts/services.sh rabbitmqctl add_vhost "$VHOST" >/dev/null
  scripts/services.sh rabbitmqctl set_permissions -p "$VHOST" "${RabbitMq__Username:-guest}" '.*' '.*' '.*' >/dev/null
}

psql_() { psql -h 127.0.0.1 -p "${PG_PORT:-55432}" -U taskmanager -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { echo "bench-$bench_name: $(date -u +%T) $*" >&2; }

bench_cleanup() {
  for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  scripts/services.sh rabbitmqctl delete_vhost "$VHOST" >/dev/null 2>&1 || true
  rm -rf "$work"
}

start() {
  local role="$1" port="$2"; shift 2
  env ConnectionStrings__Postgres="$conn" ConnectionStrings__Redis="" RabbitMq__VirtualHost="$VHOST" Role="$role" \
    ASPNETCORE_URLS="http://127.0.0.1:$port" Jwt__SigningKey="bench-signing-key-0123456789abcdef0123456789" \
    Logging__LogLevel__Default=Warning RateLimiting__Enabled=false TaskLog__SchedulerEnabled=false "$@" \
    ${BENCH_SERVICE_ENV:-} dotnet bin/Release/net10.0/TaskManager.dll >"$work/service-$role.log" 2>&1 & pids+=($!)
  [[ $role == api ]] && api_pid=$!
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0; sleep 0.2; done
  cat "$work/service-$role.log" >&2; log "the $role process did not become ready"; exit 1
}
