#!/usr/bin/env bash
# CSV import end to end against the floor of `psql \copy` of the same file, on this machine, in one run.
#
#   bench/import.sh [ROWS ...]        (default: 100000 1000000)
#
# For each size: generates the file (scripts/generate-csv.py, every row valid), times `psql \copy` of the same
# rows into the same table (tasks, with its indexes and foreign keys; the file's values first turned into
# the table's types, outside the timing), then the fair floor: what an import writes, in psql, one transaction per
# 5,000-row batch (\copy into tasks, then the batch's log rows and audit entries set-based, with the import's own
# statements), then starts the service (Release, role all, in-memory bus, durable PostgreSQL),
# uploads the file over HTTP, and times until the import has finished. Peak memory of the service process is
# read from /usr/bin/time -v. Prints a Markdown table; figures are this machine's, measured in the same run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
sizes=("$@"); ((${#sizes[@]})) || sizes=(100000 1000000)

scripts/services.sh up postgres >/dev/null
source .local/services.env
dotnet build TaskManager.csproj -c Release -nologo -v quiet >/dev/null
export PGPASSWORD=taskmanager
# As scripts/run runs the service: an 8 MB young generation, whatever the CPU's cache (docs/benchmarks.md).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-800000}"
psql_() { PGOPTIONS='-c client_min_messages=warning' psql -h 127.0.0.1 -p "${PG_PORT:-55432}" -U taskmanager -X -q -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# A free port, so a server already listening on a fixed one cannot break the run.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
floor_import=00000000-0000-0000-0000-000000000001

# The fair floor's psql script: per 5,000-row batch, one transaction of the \copy and ImportLanding's own two
# statements (its AuditSql and LogSql, with the batch's bounds and the floor's user), so the floor writes what an import writes.
fair_floor_script() {
  local rows="$1" from=0 n
  split -l 5000 -d -a 4 "$rows" "$work/batch."
  for batch in "$work"/batch.*; do
    n=$(wc -l <"$batch")
    printf 'BEGIN;\n\\copy tasks (task_name, description, status, priority, assigned_user_id, created_by, created_at, updated_at, import_id, import_row) FROM %s WITH (FORMAT csv)\n' "'$batch'"
    for statement in AuditSql LogSql; do
      sed -n "/string $statement = \"\"\"/,/^ *\"\"\";/p" Features/Imports/RunImport/ImportLanding.cs | sed '1d;$d' \
        | sed -e "s/@Id/'$floor_import'::uuid/g" -e "s/@From/$from/g" -e "s/@To/$((from + n))/g" -e "s/@UserId/1/g" -e "s/@Username/'floor'/g"
      printf ';\n'
    done
    printf 'COMMIT;\n'
    from=$((from + n))
  done
}

printf '| rows | file MB | psql \\copy s | copy rows/s | import s | import rows/s | ratio to copy | peak RSS MB | fair floor s | ratio to fair floor |\n|---|---|---|---|---|---|---|---|---|---|\n'
for rows in "${sizes[@]}"; do
  db="bench_import_$rows"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  conn="Host=127.0.0.1;Port=${PG_PORT:-55432};Database=$db;Username=taskmanager;Password=taskmanager"
  ConnectionStrings__Postgres="$conn" dotnet bin/Release/net10.0/TaskManager.dll migrate >/dev/null
  python3 scripts/generate-csv.py "$rows" --users loader >"$work/tasks.csv"
  mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$work/tasks.csv")/1048576}")

  psql_ -d "$db" -c "INSERT INTO users (username, email, password_hash) VALUES ('floor', 'floor@example.com', 'x')" \
        -c "CREATE TEMP TABLE csv_rows (task_name text, description text, status text, priority text, created_at text, assigned_user text)" \
        -c "\\copy csv_rows FROM '$work/tasks.csv' WITH (FORMAT csv, HEADER true)" \
        -c "\\copy (SELECT task_name, description, coalesce(lower(status), '') IN ('', 'true', 'yes', '1'), upper(priority), 1, 1, now(), now() FROM csv_rows) TO '$work/tasks.rows' WITH (FORMAT csv)" \
        -c "\\copy (SELECT task_name, description, coalesce(lower(status), '') IN ('', 'true', 'yes', '1'), upper(priority), 1, 1, now(), now(), '$floor_import'::uuid, row_number() OVER () FROM csv_rows) TO '$work/batches.rows' WITH (FORMAT csv)"
  # Each measured phase starts from a checkpoint, so none pays for the WAL the one before it wrote.
  psql_ -d "$db" -c "CHECKPOINT"
  t0=$(date +%s.%N)
  psql_ -d "$db" -c "\\copy tasks (task_name, description, status, priority, assigned_user_id, created_by, created_at, updated_at) FROM '$work/tasks.rows' WITH (FORMAT csv)"
  copy_s=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
  psql_ -d "$db" -c "TRUNCATE tasks CASCADE"

  fair_floor_script "$work/batches.rows" >"$work/floor.sql"
  psql_ -d "$db" -c "CHECKPOINT"
  t0=$(date +%s.%N)
  psql_ -d "$db" -f "$work/floor.sql"
  floor_s=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
  psql_ -d "$db" -c "TRUNCATE tasks, task_audit, task_log_counts CASCADE" -c "DELETE FROM users"

  ConnectionStrings__Postgres="$conn" ConnectionStrings__Redis="" RabbitMq__Host="" Role=all \
  ASPNETCORE_URLS="http://127.0.0.1:$port" Jwt__SigningKey="bench-signing-key-0123456789abcdef0123456789" \
  Imports__MaxFileBytes=1073741824 Logging__LogLevel__Default=Warning RateLimiting__Enabled=false \
    /usr/bin/time -v -o "$work/time.txt" env ${BENCH_SERVICE_ENV:-} dotnet bin/Release/net10.0/TaskManager.dll >"$work/service.log" 2>&1 &
  service=$!
  service_cpu() { # user + system CPU seconds so far of the service (the child of /usr/bin/time)
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$(pgrep -P "$service" | head -n1)/stat"
  }
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
  curl -sf -X POST "http://127.0.0.1:$port/api/register" -H 'Content-Type: application/json' \
       -d '{"username":"loader","email":"loader@example.com","password":"correct-horse-1"}' >/dev/null
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/login" -H 'Content-Type: application/json' \
       -d '{"username":"loader","password":"correct-horse-1"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')

  psql_ -d "$db" -c "CHECKPOINT"
  cpu0=$(service_cpu)
  t0=$(date +%s.%N)
  id=$(curl -sf -X POST "http://127.0.0.1:$port/api/upload-csv" -H "Authorization: Bearer $token" -F "file=@$work/tasks.csv" \
       | python3 -c 'import sys,json;print(json.load(sys.stdin)["import_id"])')
  upload_s=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
  while :; do
    status=$(curl -sf "http://127.0.0.1:$port/api/imports/$id" -H "Authorization: Bearer $token" | python3 -c 'import sys,json;print(json.load(sys.stdin)["status"])')
    [[ $status == queued || $status == running ]] || break
    sleep 0.2
  done
  import_s=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
  echo "service CPU during the upload and import: $(awk -v a="$(service_cpu)" -v b="$cpu0" 'BEGIN{printf "%.1f", a - b}')s" >&2
  echo "import of $rows rows: upload (until 202) ${upload_s}s, then the worker $(awk "BEGIN{printf \"%.2f\", $import_s - $upload_s}")s" >&2
  created=$(psql_ -d "$db" -tAc "SELECT count(*) FROM tasks")
  pkill -TERM -P "$service" || true; wait "$service" || true   # the service is /usr/bin/time's child
  rss=$(awk -F: '/Maximum resident/{printf "%.0f", $2/1024}' "$work/time.txt")
  [[ $created == "$rows" && $status == succeeded ]] || { echo "import of $rows rows ended $status with $created tasks" >&2; exit 1; }
  printf '| %s | %s | %s | %.0f | %s | %.0f | %.2f | %s | %s | %.2f |\n' "$rows" "$mb" "$copy_s" "$(awk "BEGIN{print $rows/$copy_s}")" \
    "$import_s" "$(awk "BEGIN{print $rows/$import_s}")" "$(awk "BEGIN{print $copy_s/$import_s}")" "$rss" \
    "$floor_s" "$(awk "BEGIN{print $floor_s/$import_s}")"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
done
echo
echo "command: bench/import.sh ${sizes[*]}; commit $(git rev-parse --short HEAD); $(nproc) cores; $(date -u +%F)"
