#!/usr/bin/env bash
# Profiles one case of bench/run.sh: runs it with wrk against the Release service while dotnet-trace samples the
# service's threads, then prints the frames busy samples spend their time in (bench/profile/top-frames.py).
#
#   bench/profile/run.sh CASE [SECONDS]      CASE: page1 | deep | date | entry | update | create | login | import
#                                            | v2cursor | v2search
#
# import: uploads a generated file of PROFILE_IMPORT_ROWS rows (default 300000) and samples the worker importing it.
#
# Uses the database a run of bench/run.sh seeded (BENCH_DB, default taskmanager_bench) and one process of role all
# (in-memory bus: the request path alone). BENCH_SERVICE_ENV="Name=value ..." passes settings to the service.
# Writes the trace to bench/profile/out/CASE.nettrace (and .speedscope.json, which speedscope.app opens).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
case="${1:?usage: bench/profile/run.sh CASE [SECONDS]}"
seconds="${2:-8}"
DB="${BENCH_DB:-taskmanager_bench}"
PORT=18095
out="bench/profile/out"; mkdir -p "$out"

trace_tool="$HOME/.dotnet/tools/dotnet-trace"
[[ -x $trace_tool ]] || dotnet tool install -g dotnet-trace >/dev/null
scripts/services.sh up postgres redis >/dev/null
source .local/services.env
export PGPASSWORD=taskmanager
# As scripts/run runs the service: an 8 MB young generation, whatever the CPU's cache (docs/benchmarks.md).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-800000}"
psql_() { psql -h 127.0.0.1 -p "${PG_PORT:-55432}" -U taskmanager -X -q -tA "$@"; }
psql_ -d "$DB" -c "SELECT 1 FROM tasks LIMIT 1" >/dev/null 2>&1 || { echo "no $DB: run bench/run.sh first" >&2; exit 1; }
dotnet build TaskManager.csproj -c Release -nologo -v quiet >/dev/null

read -r task_lo task_hi id_lo id_hi < <(psql_ -d "$DB" -F' ' -c \
  "SELECT (SELECT min(id) FROM tasks), (SELECT max(id) FROM tasks), (SELECT min(id) FROM task_logger), (SELECT max(id) FROM task_logger)")
ConnectionStrings__Postgres="Host=127.0.0.1;Port=${PG_PORT:-55432};Database=$DB;Username=taskmanager;Password=taskmanager" \
ConnectionStrings__Redis="${ConnectionStrings__Redis:-}" Caching__InstanceName="taskmanager-profile-$$" RabbitMq__Host="" Role=all \
TaskLog__SchedulerEnabled=false ASPNETCORE_URLS="http://127.0.0.1:$PORT" ASPNETCORE_ENVIRONMENT=Production \
Jwt__SigningKey="bench-signing-key-0123456789abcdef0123456789" Logging__LogLevel__Default=Warning RateLimiting__Enabled=false \
Imports__MaxFileBytes=1073741824 env ${BENCH_SERVICE_ENV:-} dotnet bin/Release/net10.0/TaskManager.dll >"$out/service.log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null || true' EXIT
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.2; done

user=bench_profiler password=correct-horse-battery-1
curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/api/register" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"$password\"}"
psql_ -d "$DB" -c "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r
                   WHERE u.username = '$user' AND r.name IN ('manager', 'admin') ON CONFLICT DO NOTHING" >/dev/null
token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"$password\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

case "$case" in
  page1) args=(BENCH_CASE=list-page BENCH_LO=1 BENCH_HI=1) ;;
  deep) args=(BENCH_CASE=list-page BENCH_LO=40000 BENCH_HI=60000) ;;
  date) args=(BENCH_CASE=list-date BENCH_DAYS=365 BENCH_PAGES=200) ;;
  entry) args=(BENCH_CASE=entry BENCH_LO="$id_lo" BENCH_HI="$id_hi") ;;
  update) args=(BENCH_CASE=update BENCH_LO="$task_lo" BENCH_HI="$task_hi") ;;
  create) args=(BENCH_CASE=create) ;;
  login) args=(BENCH_CASE=login) ;;
  import) args=() ;;
  v2cursor) args=(BENCH_CASE=v2-cursor BENCH_CURSORS="$out/cursors.txt") ;;
  v2search) args=(BENCH_CASE=v2-search BENCH_LO=1 BENCH_HI="$task_hi") ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
if [[ $case == v2cursor ]]; then # every 100th cursor of the first 2,000 pages of 100, as a client walks them
  python3 - "http://127.0.0.1:$PORT" "$token" >"$out/cursors.txt" <<'PY'
import json, sys, urllib.parse, urllib.request
base, token, cursor = sys.argv[1], sys.argv[2], None
for page in range(1, 2001):
    url = base + "/api/v2/tasks?limit=100" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + token})) as r:
        cursor = json.load(r)["next_cursor"]
    if cursor is None:
        break
    if page % 100 == 0:
        print(urllib.parse.quote(cursor))
PY
fi
if [[ $case == import ]]; then
  python3 scripts/generate-csv.py "${PROFILE_IMPORT_ROWS:-300000}" --users "$user" >"$out/import.csv"
  curl -sf -X POST "http://127.0.0.1:$PORT/api/upload-csv" -H "Authorization: Bearer $token" -F "file=@$out/import.csv" >"$out/import.wrk.txt" &
else
  env BENCH_TOKEN="$token" BENCH_USER="$user" BENCH_PASSWORD="$password" "${args[@]}" \
    wrk -t2 -c32 -d"$((seconds + 6))s" -s bench/wrk/bench.lua "http://127.0.0.1:$PORT" >"$out/$case.wrk.txt" &
fi
wrk=$!
sleep 3
"$trace_tool" collect -p "$(pgrep -P "$service" dotnet || echo "$service")" --profile dotnet-sampled-thread-time --format Speedscope \
  --duration "00:00:00:$(printf '%02d' "$seconds")" -o "$out/$case.nettrace" >/dev/null
wait "$wrk"
[[ $case == import ]] || grep '^BENCH ' "$out/$case.wrk.txt" | awk '{print "wrk: " $2 " req/s, p50 " $3 " ms, p99 " $4 " ms, non-2xx " $5}'
python3 bench/profile/top-frames.py "$out/$case.speedscope.json" 40 "${PROFILE_FILTER:-}"
