#!/usr/bin/env bash
# The benchmark of issue 8, on this machine, in one run (about 8-10 minutes):
#
#   bench/run.sh
#
# Builds in Release, starts the backing services (scripts/services.sh; PostgreSQL must be durable), seeds a
# database of its own (bench/seed-million.sql: BENCH_TASKS tasks, BENCH_LOG_ROWS daily-log rows), then measures:
#   1. the service (Release; the API and the worker as two processes, as compose.yaml runs them; Redis, RabbitMQ in a
#      virtual host of its own, rate limits off) with wrk, BENCH_CONNECTIONS
#      connections, a warm-up before each case: /health/live (the HTTP floor), the list's page 1 (cached),
#      random deep pages, random date-filtered pages, random entries, task creation, task update, login;
#   2. pgbench of the same SQL with the same connections (the database floor of each endpoint);
#   3. the daily snapshot of every active task (all tasks made active first) through the service, against the
#      bare INSERT ... SELECT in psql;
#   4. the CSV import against psql \copy (bench/import.sh BENCH_IMPORT_ROWS);
#   5. peak RSS of each service process (/usr/bin/time -v). bench/import.sh runs one process of role all;
#   6. webhooks (bench/webhooks.sh): the API's writes with and without a subscription to a local receiver that
#      answers 204, deliveries per second and the delay from a change to its delivery.
#   7. change streams (bench/streams.sh): 1,000 streams on one api instance, the delay from a change to its arrival on
#      every stream, the API's memory a stream, and the write rate with the streams connected against none.
# Writes bench/results/<UTC date>.md (BENCH_OUT overrides) and prints it. Everything it starts it stops, by pid.
#
# Settings (environment): BENCH_TASKS=1000000 BENCH_LOG_ROWS=1000000 BENCH_CONNECTIONS=32 BENCH_THREADS=2
# BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_SERVICE_WARMUP=15 (seconds: each case's warm-up, and the write path's once after the start) BENCH_DEEP_PAGES=40000-60000
# BENCH_FILTERED_PAGES=1000-19000 (pages of ?priority=HIGH) BENCH_IMPORT_ROWS=1000000 (0 skips)
# BENCH_LATENCY_CONNECTIONS=4 (clients of the p50 targets) BENCH_DB=taskmanager_bench BENCH_PORT=18090 BENCH_NOTE="free text for the results file".
# For trying a change quickly (the results file then says what was left out): BENCH_PARTS="http pgbench snapshot
# import webhooks streams" (the default, all), BENCH_CASES="live page1 deep filtered date entry update create login v2list v2cursor v2label
# v2comments v2search v2get v2getpat v2get304 v2patch v2create v2batch" (the wrk cases, all by
# default), BENCH_REUSE_DB=1 (keep the database a previous run seeded instead of seeding it again), and
# BENCH_SERVICE_ENV="Name=value ..." (settings for the service, e.g. Npgsql options in ConnectionStrings__Postgres).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

TASKS="${BENCH_TASKS:-1000000}"
LOG_ROWS="${BENCH_LOG_ROWS:-1000000}"
CONNS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-3}"
SERVICE_WARMUP="${BENCH_SERVICE_WARMUP:-15}"
LAT_CONNS="${BENCH_LATENCY_CONNECTIONS:-4}"   # clients of the latency targets
DEEP="${BENCH_DEEP_PAGES:-40000-60000}"
FILTERED="${BENCH_FILTERED_PAGES:-1000-19000}"
IMPORT_ROWS="${BENCH_IMPORT_ROWS:-1000000}"
SNAPSHOT_BATCH="${BENCH_SNAPSHOT_BATCH:-50000}"
DB="${BENCH_DB:-taskmanager_bench}"
PORT="${BENCH_PORT:-18090}"
WORKER_PORT=$((PORT + 1))
OUT="${BENCH_OUT:-bench/results/$(date -u +%F).md}"
PARTS=" ${BENCH_PARTS:-http pgbench snapshot import webhooks streams} "
CASES=" ${BENCH_CASES:-live page1 deep filtered date entry update create login v2list v2cursor v2label v2comments v2search v2get v2getpat v2get304 v2patch v2create v2batch changes} "
part() { [[ $PARTS == *" $1 "* ]]; }
BATCH_SIZE=100   # creates in each POST /api/v2/batch of the v2batch case
BENCH_USER=bench_runner
BENCH_MEMBER=bench_member
BENCH_PASSWORD=correct-horse-battery-1
started_at=$(date -u '+%F %T')
t_start=$SECONDS

log() { echo "bench: $(date -u +%T) $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }

# ------------------------------------------------------------------ tools, services, durability
need_apt() { # need_apt COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null 2>&1; } \
    || die "cannot install $2"
}
need_apt wrk wrk
PGBENCH="$(command -v pgbench || true)"
[[ -n $PGBENCH ]] || { [[ -x /usr/lib/postgresql/15/bin/pgbench ]] && PGBENCH=/usr/lib/postgresql/15/bin/pgbench; }
[[ -n $PGBENCH ]] || { need_apt pgbench postgresql-contrib; PGBENCH="$(command -v pgbench)"; }
[[ -x /usr/bin/time ]] || need_apt /usr/bin/time time

log "starting services"
scripts/services.sh up postgres redis rabbitmq >/dev/null
source .local/services.env
export PGPASSWORD=taskmanager
# As scripts/run runs the service: an 8 MB young generation, whatever the CPU's cache (docs/benchmarks.md).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-800000}"
PGHOST=127.0.0.1; PGPORT="${PG_PORT:-55432}"
psql_() { psql -h "$PGHOST" -p "$PGPORT" -U taskmanager -X -q -v ON_ERROR_STOP=1 "$@"; }
# Each write case and its floor start from a CHECKPOINT: the seed's WAL, or the cases before, leave checkpoints under
# way whose full-page writes otherwise fall on whichever side runs during them (bench/results/ showed the same
# statement's floor move by 40% with its place in the run).
checkpoint() { psql_ -d "$DB" -c "CHECKPOINT" >/dev/null; }

fsync=$(psql_ -d postgres -tAc "SHOW fsync")
sync_commit=$(psql_ -d postgres -tAc "SHOW synchronous_commit")
if [[ $fsync != on || $sync_commit != on ]]; then
  die "PostgreSQL on $PGHOST:$PGPORT runs with fsync=$fsync, synchronous_commit=$sync_commit: not durable, so its figures
       would not be production's. Benchmarks need the durable defaults. Restart it without PG_FAST:
       scripts/services.sh down postgres && scripts/services.sh up postgres"
fi

pg_started=$(psql_ -d postgres -tAc "SELECT pg_postmaster_start_time()")

log "building (Release)"
dotnet build TaskManager.csproj -c Release -nologo -v quiet >/dev/null
DLL=bin/Release/net10.0/TaskManager.dll

work="$(mktemp -d)"
service_pids=()
stop_service() { # each process is /usr/bin/time's child: TERM it (KILL after 20 s), then wait for time's report
  local pid child
  for pid in ${service_pids[@]+"${service_pids[@]}"}; do
    child=$(pgrep -P "$pid" | head -n1 || true)
    pkill -TERM -P "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [[ -n $child ]] && kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
      log "the service (pid $child) did not stop within 20 s of TERM: KILL"
      kill -KILL "$child" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  service_pids=()
}
# ------------------------------------------------------------------ the results file
# Defined before anything is measured: a run that stops early (cleanup) writes what it has.
write_results() {
set +eu
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b+0 == 0) print "-"; else printf "%.2f", a/b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN{ if (v == "-" || v == "") print "?"; else if (v+0 >= t+0) print "met"; else print "missed" }'; }
mem_verdict() { awk -v v="$1" 'BEGIN{ if (v == "" || v == "-") print "?"; else if (v+0 < 250) print "met"; else print "missed" }'; }
p99_verdict() { awk -v v="$1" 'BEGIN{ if (v == "") print "?"; else if (v+0 < 20) print "met"; else print "missed" }'; }
pg_started_end=$(psql_ -d postgres -tAc "SELECT pg_postmaster_start_time()" || echo "unreachable")
durable_end="$(psql_ -d postgres -tAc "SHOW fsync" || true)/$(psql_ -d postgres -tAc "SHOW synchronous_commit" || true)"
if [[ $pg_started_end != "$pg_started" ]]; then
  pg_warning="WARNING: PostgreSQL was restarted during the run (started $pg_started, now $pg_started_end; fsync/synchronous_commit at the end: $durable_end). Figures taken across the restart (errors, negative or odd db xact/req) are not valid; run again."
  log "$pg_warning"
elif [[ $durable_end != on/on ]]; then
  pg_warning="WARNING: PostgreSQL is no longer durable at the end of the run (fsync/synchronous_commit: $durable_end)."
  log "$pg_warning"
fi
cpu_model=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
mem_gib=$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo)
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' 2>/dev/null || echo "+dirty")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$((SECONDS - t_start))

# The summary at the top: one line per target, each with its figures; the tables below hold the rest.
[[ -n $import_line ]] && IFS='|' read -r _ i_rows i_mb i_copy_s i_copy_rps i_import_s i_import_rps i_ratio i_rss i_fair_s i_fair_ratio _ <<<"$import_line"
at_most() { awk -v v="$1" -v t="$2" 'BEGIN{ if (v == "" || v == "-") print "?"; else if (v+0 <= t+0) print "met"; else print "missed" }'; }
case_target() { # case_target LABEL TARGET TEXT: HTTP against its pgbench floor
  local r; r=$(ratio "${RPS[$1]:-}" "${PG_TPS[$1]:-}")
  echo "- $3 >= $2x its pgbench floor: **$(verdict "$r" "$2")** (${r}x; p50 ${P50[$1]:-?} ms, p99 ${P99[$1]:-?} ms)"
}
summary_lines() {
  case_target deep 0.7 "Deep pages ($DEEP)"
  case_target filtered 0.7 "Deep pages filtered by priority ($FILTERED)"
  case_target date 0.7 "Date-filtered pages"
  case_target create 0.7 "POST /api/task"
  case_target update 0.7 "PUT /api/task/{id}"
  local sr; sr=$(ratio "$snap_s" "$bare_s")
  echo "- Snapshot <= 1.25x the bare INSERT ... SELECT: **$(at_most "$sr" 1.25)** (${sr}x: ${snap_s:-?} s against ${bare_s:-?} s; against the same batches in psql, ${batch_s:-?} s: $(ratio "$snap_s" "$batch_s")x)"
  echo "- CSV import >= 0.8x its fair floor: **$(verdict "${i_fair_ratio// /}" 0.8)** (${i_fair_ratio// /}x: ${i_import_s// /} s against ${i_fair_s// /} s)"
  local cr; cr=$(ratio "${PG_TPS[v2list]:-}" "${PG_TPS[v2cursor]:-}")
  echo "- v2 deep cursor page within 1.5x of page 1 (their SQL, pgbench): **$(at_most "$cr" 1.5)** (${cr}x)"
  echo "- v2 search p50 < 20 ms, $LAT_CONNS clients searching back to back: **$(at_most "${LP50[v2search]:-}" 19.999)** (${LP50[v2search]:-?} ms; ${LRPS[v2search]:-?} req/s; at $CONNS connections p50 ${P50[v2search]:-?} ms)"
  for l in v2list v2cursor v2label v2comments v2search v2get v2get304 v2patch; do case_target "$l" 0.7 "v2 $l"; done
  case_target changes 0.7 "GET /api/v2/changes deep in ${BENCH_CHANGES:-1000000} changes"
  echo "- GET /api/v2/changes deep p50 < 10 ms, $LAT_CONNS clients polling back to back: **$(at_most "${LP50[changes]:-}" 9.999)** (${LP50[changes]:-?} ms; ${LRPS[changes]:-?} req/s; at $CONNS connections p50 ${P50[changes]:-?} ms)"
  local pr; pr=$(ratio "${RPS[v2getpat]:-}" "${RPS[v2get]:-}")
  echo "- GET /api/v2/tasks/{id} with a personal access token >= 0.9x with a JWT: **$(verdict "$pr" 0.9)** (${pr}x; p50 ${P50[v2getpat]:-?} ms, p99 ${P99[v2getpat]:-?} ms)"
  local batch_rows; batch_rows=$(awk -v r="${RPS[v2batch]:-}" -v n="$BATCH_SIZE" 'BEGIN{ if (r == "") print ""; else printf "%.1f", r*n }')
  local br; br=$(ratio "$batch_rows" "${RPS[v2create]:-}")
  echo "- A batch of $BATCH_SIZE creates >= 5x the rows per second of single creates: **$(verdict "$br" 5)** (${br}x: ${batch_rows:-?} rows/s in batches, p50 ${P50[v2batch]:-?} ms a batch, against ${RPS[v2create]:-?} rows/s one by one)"
  [[ -n $streams_table ]] && grep '^- ' <<<"$streams_table"
  local peak; peak=$(printf '%s\n' "$rss_http" "$rss_http_worker" "$rss_snapshot" "$rss_snapshot_worker" "${i_rss// /}" | grep -E '^[0-9]+$' | sort -n | tail -n1)
  echo "- Peak memory of every process < 250 MB: **$(mem_verdict "$peak")** (highest ${peak:-?} MB)"
}

mkdir -p "$(dirname "$OUT")"
{
  echo "# Benchmark, $(date -u +%F)"
  echo
  echo "\`bench/run.sh\`, started $started_at UTC, took ${elapsed}s. Commit \`$commit\`."
  echo "Machine: $(nproc) cores ($cpu_model), $mem_gib GiB; load average at the end: $load_end."
  echo "PostgreSQL 15 durable (fsync=$fsync, synchronous_commit=$sync_commit); the service in Release, the API and the worker"
  echo "as two processes, Redis cache, RabbitMQ, rate limits off; wrk and pgbench: $CONNS connections, $THREADS threads, ${WARMUP}s warm-up then ${DURATION}s;"
  echo "after it starts, the service's write path is warmed once for ${SERVICE_WARMUP}s (PUT), before any case."
  echo "Data: $TASKS tasks in $projects projects ($private_projects private), $LOG_ROWS daily-log rows over $days dates (seeded in ${seed_s}s). wrk, the service and PostgreSQL share the cores."
  echo "v1's page 1 and v2's list, cursor and search read as $BENCH_MEMBER, an editor of 20 private projects, so $(( private_projects - 20 )) are hidden from it; their floors leave the same ones out."
  [[ -n ${BENCH_NOTE:-} ]] && { echo; echo "$BENCH_NOTE"; }
  [[ -n ${BENCH_PARTS:-}${BENCH_CASES:-}${BENCH_SERVICE_ENV:-} ]] && { echo; echo "**Partial or varied run:** parts:$PARTS; cases:$CASES; service settings: ${BENCH_SERVICE_ENV:-none}."; }
  [[ -n $pg_warning ]] && { echo; echo "**$pg_warning**"; }
  [[ -n $incomplete ]] && { echo; echo "**$incomplete**"; }
  echo
  echo "## Targets"
  echo
  summary_lines
  echo
  echo "## HTTP against its floor"
  echo
  echo "Floor: \`/health/live\` on the same Kestrel for cached reads; pgbench of the endpoint's SQL, same connections, for the rest."
  echo
  echo "| case | req/s | p50 ms | p99 ms | non-2xx | socket err | db xact/req | peak RSS so far MB | floor | floor req/s | floor p50 ms | floor p99 ms | ratio | target | p99 < 20 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '| HTTP floor: GET /health/live | %s | %s | %s | %s | %s | %s | %s | - | - | - | - | 1.00 | - | %s |\n' \
    "${RPS[live]}" "${P50[live]}" "${P99[live]}" "${NON2XX[live]}" "${SOCK[live]}" "${XACTS[live]}" "${HWM[live]}" "$(p99_verdict "${P99[live]}")"
  row() { # row LABEL DESCRIPTION FLOOR(http|pg) [TARGET ratio, 0.5 unless given]
    local l="$1" d="$2" f="$3" t="${4:-0.5}" fr fp50 fp99 fname r
    if [[ $f == http ]]; then fname="/health/live"; fr=${RPS[live]}; fp50=${P50[live]}; fp99=${P99[live]}
    else fname="pgbench"; fr=${PG_TPS[$l]}; fp50=${PG_P50[$l]}; fp99=${PG_P99[$l]}; fi
    r=$(ratio "${RPS[$l]}" "$fr")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | >= %s: %s | %s |\n' "$d" "${RPS[$l]}" "${P50[$l]}" "${P99[$l]}" \
      "${NON2XX[$l]}" "${SOCK[$l]}" "${XACTS[$l]}" "${HWM[$l]}" "$fname" "$fr" "$fp50" "$fp99" "$r" "$t" "$(verdict "$r" "$t")" "$(p99_verdict "${P99[$l]}")"
  }
  row page1 "GET /api/tasks?page=1&per_page=10 (cached)" http
  row deep "GET /api/tasks, random page $DEEP (uncached)" pg 0.7
  row filtered "GET /api/tasks?priority=HIGH, random page $FILTERED (uncached)" pg 0.7
  row date "GET /api/tasks?date=, random date and page (uncached)" pg 0.7
  row entry "GET /api/task/{id}, random id (uncached)" pg
  row create "POST /api/task" pg 0.7
  row update "PUT /api/task/{id}, random task" pg 0.7
  row login "POST /api/login" pg
  row v2list "GET /api/v2/tasks?limit=20 (page 1, cached)" pg 0.7
  row v2cursor "GET /api/v2/tasks?cursor= (deep in a million tasks, uncached)" pg 0.7
  row v2label "GET /api/v2/tasks?label=label-3&cursor= (deep among 200,000 labelled tasks, uncached)" pg 0.7
  row v2comments "GET /api/v2/tasks/{id}/comments?limit=50 (a random task's first page of 200)" pg 0.7
  row v2search "GET /api/v2/tasks?q= (a word of a random task's name, uncached)" pg 0.7
  row v2get "GET /api/v2/tasks/{id}" pg 0.7
  if [[ -n ${RPS[v2getpat]:-} ]]; then
    r=$(ratio "${RPS[v2getpat]}" "${RPS[v2get]:-}")
    printf '| GET /api/v2/tasks/{id} with a personal access token | %s | %s | %s | %s | %s | %s | %s | the same with a JWT | %s | %s | %s | %s | >= 0.9: %s | %s |\n' "${RPS[v2getpat]}" \
      "${P50[v2getpat]}" "${P99[v2getpat]}" "${NON2XX[v2getpat]}" "${SOCK[v2getpat]}" "${XACTS[v2getpat]}" "${HWM[v2getpat]}" "${RPS[v2get]:-}" \
      "${P50[v2get]:-}" "${P99[v2get]:-}" "$r" "$(verdict "$r" 0.9)" "$(p99_verdict "${P99[v2getpat]}")"
  fi
  row v2get304 "GET /api/v2/tasks/{id}, If-None-Match (304 when unchanged)" pg 0.7
  row v2patch "PATCH /api/v2/tasks/{id}" pg 0.7
  if [[ -n $pbkdf2_rate ]]; then
    r=$(ratio "${RPS[login]}" "$pbkdf2_rate")
    printf '| POST /api/login against its password hash | %s | %s | %s | %s | %s | %s | %s | PBKDF2 alone | %s | - | - | %s | >= 0.5: %s | %s |\n' "${RPS[login]}" "${P50[login]}" "${P99[login]}" \
      "${NON2XX[login]}" "${SOCK[login]}" "${XACTS[login]}" "${HWM[login]}" "$pbkdf2_rate" "$r" "$(verdict "$r" 0.5)" "$(p99_verdict "${P99[login]}")"
  fi
  echo
  echo "db xact/req: transactions committed in the benchmark database per HTTP request during the case (pg_stat_database;"
  echo "~0 means served from the cache, 1 per statement otherwise; warm-ups excluded). Peak RSS so far: VmHWM of the service"
  echo "process after the case (cases run in the table's order)."
  echo "pgbench of page 1's SQL (uncached, for reference): ${PG_TPS[page1]} tps, p50 ${PG_P50[page1]} ms, p99 ${PG_P99[page1]} ms."
  if [[ -n ${PG_TPS[v2cursor]:-} && -n ${PG_TPS[v2list]:-} ]]; then
    r=$(ratio "${PG_TPS[v2list]}" "${PG_TPS[v2cursor]}")
    echo "v2 deep cursor against page 1, their SQL at the same concurrency (pgbench): ${PG_TPS[v2cursor]} against ${PG_TPS[v2list]} tps,"
    echo "so a deep page costs ${r}x page 1 (target <= 1.5x: $(awk -v r="$r" 'BEGIN{ print (r == "-" ? "?" : (r + 0 <= 1.5 ? "met" : "missed")) }'))."
  fi
  echo "Latency targets (p50 under N ms) are read with $LAT_CONNS clients, two a core: at $CONNS connections on $(nproc) cores a"
  echo "request's p50 is mostly its wait for a core (about connections / throughput), which the throughput ratios already measure."
  echo "Login has two floors: its SQL alone (pgbench), and its password hash alone (PBKDF2-HMAC-SHA512 at the service's"
  echo "iteration count, one process per core, nothing else running): a login is bound by the hash, by design."
  [[ -n $drain_s ]] && echo "The worker had written the audit entry of every write ${drain_s}s after the write cases ended (RabbitMQ, one process)."
  echo "pgbench failed transactions: $(for l in deep filtered date entry update create login; do printf '%s %s; ' "$l" "${PG_FAIL[$l]}"; done)"
  echo
  echo "## Daily snapshot and CSV import"
  echo
  echo "| case | figure | floor | ratio | target |"
  echo "|---|---|---|---|---|"
  snap_ratio=$(ratio "$snap_s" "$bare_s")
  printf '| snapshot of %s active tasks through the service (POST, outbox, consumer, commit), best of %s | %s s | bare INSERT ... SELECT in psql, best of %s: %s s | %sx the bare time | <= 1.25x: %s |\n' \
    "$active" "${snap_runs[*]}" "$snap_s" "${bare_runs[*]}" "$bare_s" "$snap_ratio" "$(awk -v r="$snap_ratio" 'BEGIN{ if (r+0 > 0 && r+0 <= 1.25) print "met"; else print "missed" }')"
  printf '| the same snapshot against its own batches | %s s | the same batches of %s task ids in psql, a transaction each, best of %s: %s s | %sx | (for reference) |\n' \
    "$snap_s" "$SNAPSHOT_BATCH" "${batch_runs[*]}" "$batch_s" "$(ratio "$snap_s" "$batch_s")"
  if [[ -n $import_line ]]; then
    printf '| CSV import of %s rows (%s MB) | %s s (%s rows/s) | fair floor, psql per 5,000-row batch: \\copy into tasks + its log rows and audit entries: %s s | %s | >= 0.8: %s |\n' \
      $i_rows $i_mb $i_import_s $i_import_rps $i_fair_s $i_fair_ratio "$(verdict $i_fair_ratio 0.8)"
    printf '| the same import against one table | %s s | psql \\copy into tasks alone: %s s (%s rows/s) | %s | (for reference) |\n' \
      $i_import_s $i_copy_s $i_copy_rps $i_ratio
  fi
  if [[ -n $webhooks_table ]]; then
    echo
    echo "## Webhooks (bench/webhooks.sh: API and worker over RabbitMQ, one subscription to a local receiver answering 204)"
    echo
    echo "$webhooks_table"
  fi
  if [[ -n $streams_table ]]; then
    echo
    echo "## Change streams (bench/streams.sh: API and worker over RabbitMQ, one api instance, streams spread over teams)"
    echo
    grep -v '^- ' <<<"$streams_table"
  fi
  echo
  echo "## Peak memory (maximum RSS, /usr/bin/time -v)"
  echo
  echo "| process | peak RSS MB | target < 250 MB |"
  echo "|---|---|---|"
  printf '| API, all HTTP cases | %s | %s |\n' "$rss_http" "$(mem_verdict "$rss_http")"
  printf '| worker, during the HTTP cases (audit entries of every write) | %s | %s |\n' "$rss_http_worker" "$(mem_verdict "$rss_http_worker")"
  printf '| API, snapshot run | %s | %s |\n' "$rss_snapshot" "$(mem_verdict "$rss_snapshot")"
  printf '| worker, snapshot run | %s | %s |\n' "$rss_snapshot_worker" "$(mem_verdict "$rss_snapshot_worker")"
  [[ -n $import_line ]] && printf '| service (role all), CSV import of %s rows | %s | %s |\n' $i_rows $i_rss "$(mem_verdict $i_rss)"
} >"$OUT"
}
results_written=""; measuring=""
cleanup() {
  local rc=$?
  stop_service
  if [[ -z $results_written && -n $measuring ]]; then
    log "the run stopped early (exit $rc): writing what was measured"
    incomplete="INCOMPLETE: the run stopped early (exit $rc); missing figures are blank."
    write_results || true
  fi
  rm -rf "$work"
  [[ -z $VHOST ]] || scripts/services.sh rabbitmqctl delete_vhost "$VHOST" >/dev/null 2>&1 || true
}
VHOST=""
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ database
conn="Host=$PGHOST;Port=$PGPORT;Database=$DB;Username=taskmanager;Password=taskmanager"
log "creating $DB and seeding $TASKS tasks, $LOG_ROWS log rows"
if [[ ${BENCH_REUSE_DB:-0} == 1 ]] && psql_ -d "$DB" -c "SELECT 1 FROM tasks LIMIT 1" >/dev/null 2>&1; then
  log "reusing $DB as a previous run left it"
  ConnectionStrings__Postgres="$conn" dotnet "$DLL" migrate >/dev/null
  seed_s="-"
else
  psql_ -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  ConnectionStrings__Postgres="$conn" dotnet "$DLL" migrate >/dev/null
  t0=$(date +%s.%N)
  psql_ -d "$DB" -f bench/seed-million.sql -v tasks="$TASKS" -v log_rows="$LOG_ROWS" -v reset=1 >"$work/seed.log"
  seed_s=$(awk "BEGIN{printf \"%.0f\", $(date +%s.%N) - $t0}")
fi
read -r task_lo task_hi id_lo id_hi < <(psql_ -d "$DB" -tA -F' ' -c \
  "SELECT (SELECT min(id) FROM tasks), (SELECT max(id) FROM tasks), (SELECT min(id) FROM task_logger), (SELECT max(id) FROM task_logger)")
days=$(psql_ -d "$DB" -tAc "SELECT count(DISTINCT log_date) FROM task_log_counts")
per_date=$(psql_ -d "$DB" -tAc "SELECT min(entries) FROM (SELECT sum(entries) AS entries FROM task_log_counts GROUP BY log_date) d")
date_pages=$(( per_date / 10 ))
# The member: a plain user in the first 20 private projects (editor), so the rest are hidden from it. The scoped cases
# (v1's page 1, v2's list, cursor and search) read as it; their pgbench floors leave out the same projects.
read -r projects private_projects hidden < <(psql_ -d "$DB" -tA -F' ' -c \
  "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM projects WHERE visibility = 'private'),
          '{' || coalesce((SELECT string_agg(id::text, ',' ORDER BY id) FROM (SELECT id FROM projects WHERE visibility = 'private'
                                                                                ORDER BY id OFFSET 20) h), '') || '}'")
measuring=1
declare -A RPS P50 P99 NON2XX SOCK REQS XACTS HWM PG_TPS PG_P50 PG_P99 PG_FAIL LRPS LP50 LP99
read -r -a BASE_SERVICE_ENV <<<"${BENCH_SERVICE_ENV:-}"
SERVICE_ENV=()
snap_runs=(); bare_runs=(); batch_runs=()
rss_http=""; rss_http_worker=""; rss_snapshot=""; rss_snapshot_worker=""; snap_s=""; bare_s=""; batch_s=""; snap_rows=""; active=""; import_line=""; incomplete=""; pg_warning=""
log "seeded in ${seed_s}s: tasks $task_lo..$task_hi, log ids $id_lo..$id_hi, $days dates, >= $per_date rows a date"

# ------------------------------------------------------------------ the service
# A virtual host of its own on RabbitMQ: nothing left in the queues by other runs reaches this one.
VHOST="taskmanager-bench-$$"
scripts/services.sh rabbitmqctl add_vhost "$VHOST" >/dev/null
scripts/services.sh rabbitmqctl set_permissions -p "$VHOST" "${RabbitMq__Username:-guest}" '.*' '.*' '.*' >/dev/null
# The scheduler off: on start it catches up on today's missing snapshot (a reused database has none after the
# snapshot part), a million rows that would run into the cases; the snapshot measured is the one the harness asks for.
start_one() { # start_one NAME ROLE PORT: Release, Redis (own key prefix), RabbitMQ (own virtual host), limits off
  ConnectionStrings__Postgres="$conn" ConnectionStrings__Redis="${ConnectionStrings__Redis:-}" ConnectionStrings__RedisCache="${ConnectionStrings__RedisCache:-}" \
  Caching__InstanceName="taskmanager-bench-$$" RabbitMq__VirtualHost="$VHOST" Role="$2" \
  ASPNETCORE_URLS="http://127.0.0.1:$3" ASPNETCORE_ENVIRONMENT=Production \
  Jwt__SigningKey="bench-signing-key-0123456789abcdef0123456789" TaskLog__SchedulerEnabled=false \
  Logging__LogLevel__Default=Warning RateLimiting__Enabled=false \
    /usr/bin/time -v -o "$work/time-$1.txt" env ${BASE_SERVICE_ENV[@]+"${BASE_SERVICE_ENV[@]}"} ${SERVICE_ENV[@]+"${SERVICE_ENV[@]}"} dotnet "$DLL" >"$work/service-$1.log" 2>&1 &
  service_pids+=($!)
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$3/health/ready" >/dev/null && return 0; sleep 0.2; done
  cat "$work/service-$1.log" >&2; die "the $2 process did not become ready"
}
start_service() { # start_service NAME: the API and the worker as separate processes, as compose.yaml runs them
  start_one "$1-worker" worker "$WORKER_PORT"
  start_one "$1-api" api "$PORT"
}
peak_mb() { awk -F: '/Maximum resident/{printf "%.0f", $2/1024}' "$work/time-$1.txt"; }
json_field() { python3 -c "import sys,json;print(json.load(sys.stdin)[\"$1\"])"; }
login() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\"}" | json_field access_token
}

uid=""; token=""   # set when the service runs (parts http, snapshot)
if part http || part snapshot; then
log "service run 1: HTTP cases"
start_service http
curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/api/register" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$BENCH_USER\",\"email\":\"$BENCH_USER@example.com\",\"password\":\"$BENCH_PASSWORD\"}" # 409 on a reused database
psql_ -d "$DB" -c "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r
                   WHERE u.username = '$BENCH_USER' AND r.name IN ('manager', 'admin') ON CONFLICT DO NOTHING" >/dev/null
uid=$(psql_ -d "$DB" -tAc "SELECT id FROM users WHERE username = '$BENCH_USER'")
token=$(login)
[[ -n $token ]] || die "login failed"
curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/api/register" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$BENCH_MEMBER\",\"email\":\"$BENCH_MEMBER@example.com\",\"password\":\"$BENCH_PASSWORD\"}"
psql_ -d "$DB" -c "INSERT INTO project_members (project_id, user_id, role)
                   SELECT p.id, u.id, 'editor' FROM users u, (SELECT id FROM projects WHERE visibility = 'private' ORDER BY id LIMIT 20) p
                   WHERE u.username = '$BENCH_MEMBER' ON CONFLICT DO NOTHING" >/dev/null
member_token=$(BENCH_USER=$BENCH_MEMBER login)
[[ -n $member_token ]] || die "the member's login failed"
# A personal access token of the same user, so its GET by id compares with the JWT one on equal terms.
pat_token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v2/tokens" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"bench","scopes":["tasks:read"],"expires_in_days":1}' | json_field token)
[[ -n $pat_token ]] || die "creating a personal access token failed"
# The change feed, deep: BENCH_CHANGES changes of the seeded tasks in one transaction (one txid, seq 1..N), so a position
# is any seq in it. wrk and the pgbench floor (bench/pgbench/changes.sql) poll after random places as the member does.
if [[ $CASES == *" changes "* ]]; then
  psql_ -d "$DB" -c "INSERT INTO changes (type, actor_id, project_id, task_id, data)
                     SELECT 'task.updated', t.created_by, t.project_id, t.id, jsonb_build_object('id', t.id, 'task_name', t.task_name)
                     FROM tasks t ORDER BY t.id LIMIT ${BENCH_CHANGES:-1000000}" >/dev/null
  read -r change_txid change_lo change_hi < <(psql_ -d "$DB" -tA -F' ' -c "SELECT min(txid)::text, min(seq), max(seq) - 1000 FROM changes")
  member_uid=$(psql_ -d "$DB" -tAc "SELECT id FROM users WHERE username = '$BENCH_MEMBER'")
  log "changes: $((change_hi - change_lo + 1000)) in transaction $change_txid"
fi

service_hwm() { # peak RSS so far of the API process (the child of /usr/bin/time), MB
  local child; child=$(pgrep -P "${service_pids[-1]}" | head -n1 || true)
  [[ -n $child ]] && awk '/VmHWM/{printf "%.0f", $2/1024}' "/proc/$child/status" 2>/dev/null || echo "-"
}
db_xacts() { psql_ -d postgres -tAc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$DB'"; }
run_wrk() { # run_wrk CASE LABEL [env...]: a warm-up, then the measured run
  local case="$1" label="$2"; shift 2
  part http && [[ $CASES == *" $label "* ]] || return 0
  env BENCH_CASE="$case" BENCH_TOKEN="$token" BENCH_USER="$BENCH_USER" BENCH_PASSWORD="$BENCH_PASSWORD" "$@" \
    wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 30s -s bench/wrk/bench.lua "http://127.0.0.1:$PORT" >/dev/null
  local line x0
  x0=$(db_xacts)
  line=$(env BENCH_CASE="$case" BENCH_TOKEN="$token" BENCH_USER="$BENCH_USER" BENCH_PASSWORD="$BENCH_PASSWORD" "$@" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s --latency -s bench/wrk/bench.lua "http://127.0.0.1:$PORT" \
    | tee "$work/wrk-$label.txt" | grep '^BENCH ')
  read -r _ RPS[$label] P50[$label] P99[$label] NON2XX[$label] SOCK[$label] REQS[$label] <<<"$line"
  sleep 0.6   # pg_stat_database lags by up to PGSTAT_MIN_INTERVAL (0.5 s) on 15
  HWM[$label]=$(service_hwm)
  XACTS[$label]=$(awk -v a="$(db_xacts)" -v b="$x0" -v n="${REQS[$label]}" 'BEGIN{ if (n+0 == 0) print "-"; else printf "%.2f", (a-b)/n }')
  log "wrk $label: ${RPS[$label]} req/s, p50 ${P50[$label]} ms, p99 ${P99[$label]} ms, non-2xx ${NON2XX[$label]}, socket errors ${SOCK[$label]}, db transactions/request ${XACTS[$label]}, service peak RSS so far ${HWM[$label]} MB"
}

# A service just started writes slower for its first seconds (JIT tiers, the worker's consumers, each pooled backend's
# first plans), longer than a case's warm-up: the write path is warmed once, before any case, as a service that has
# been running is.
if part http; then
  log "warming the service's write path (${SERVICE_WARMUP}s of PUT /api/task/{id})"
  env BENCH_CASE=update BENCH_TOKEN="$token" BENCH_LO="$task_lo" BENCH_HI="$task_hi" \
    wrk -t"$THREADS" -c"$CONNS" -d"${SERVICE_WARMUP}s" --timeout 30s -s bench/wrk/bench.lua "http://127.0.0.1:$PORT" >/dev/null
  checkpoint   # its dirty pages are written now, not by the checkpointer during the read cases
fi
run_latency() { # run_latency CASE LABEL [env...]: the same requests from LAT_CONNS clients, below saturation
  local case="$1" label="$2"; shift 2
  part http && [[ $CASES == *" $label "* ]] || return 0
  local line
  line=$(env BENCH_CASE="$case" BENCH_TOKEN="$token" BENCH_USER="$BENCH_USER" BENCH_PASSWORD="$BENCH_PASSWORD" "$@" \
    wrk -t"$THREADS" -c"$LAT_CONNS" -d"${DURATION}s" --timeout 30s --latency -s bench/wrk/bench.lua "http://127.0.0.1:$PORT" | grep '^BENCH ')
  read -r _ LRPS[$label] LP50[$label] LP99[$label] _ <<<"$line"
  log "latency $label ($LAT_CONNS clients): ${LRPS[$label]} req/s, p50 ${LP50[$label]} ms, p99 ${LP99[$label]} ms"
}

run_wrk live live
run_wrk list-page page1 BENCH_LO=1 BENCH_HI=1 BENCH_TOKEN="$member_token"
run_wrk list-page deep BENCH_LO="${DEEP%-*}" BENCH_HI="${DEEP#*-}"
run_wrk list-filter filtered BENCH_LO="${FILTERED%-*}" BENCH_HI="${FILTERED#*-}"
run_wrk list-date date BENCH_DAYS="$days" BENCH_PAGES="$date_pages"
run_wrk entry entry BENCH_LO="$id_lo" BENCH_HI="$id_hi"
checkpoint; run_wrk update update BENCH_LO="$task_lo" BENCH_HI="$task_hi"
checkpoint; run_wrk create create
# v2: cursors deep in the default order, got as a client gets them (the API signs them): walk every page of 100 to
# the end and keep every 100th next_cursor, so the cursor pages spread over the whole million. Beside each cursor,
# the key it stands for (the page's last updated_at, in microseconds, and id): the pgbench floor runs the same
# statement from the same places (bench/pgbench/v2-cursor.sql).
# walk_cursors LABEL QUERY STRIDE SQL: every STRIDE-th next_cursor of the list with QUERY, and the floor's script.
walk_cursors() {
  local label="$1" query="$2" stride="$3" sql="$4"
  part http && [[ $CASES == *" $label "* ]] || return 0
  python3 - "http://127.0.0.1:$PORT" "$member_token" "$query" "$stride" >"$work/$label-keys.txt" <<'PY'
import datetime, json, sys, urllib.parse, urllib.request
base, token, query, stride, cursor, page = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), None, 0
while True:
    page += 1
    url = base + "/api/v2/tasks?limit=100" + query + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Bearer " + token})) as r:
        body = json.load(r)
    cursor = body["next_cursor"]
    if cursor is None:
        break
    if page % stride == 0:
        last = body["tasks"][-1]
        at = datetime.datetime.fromisoformat(last["updated_at"].replace("Z", "+00:00"))
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        print(urllib.parse.quote(cursor), (at - epoch) // datetime.timedelta(microseconds=1), last["id"], sep="\t")
PY
  cut -f1 "$work/$label-keys.txt" >"$work/$label-cursors.txt"
  # pgbench has no arrays: the floor's script starts with one CASE a key, choosing one of these places at random.
  awk -F'\t' '{us = us sprintf(" WHEN :n = %d THEN %s", NR, $2); id = id sprintf(" WHEN :n = %d THEN %s", NR, $3)}
    END {printf "\\set n random(1, %d)\n\\set key_us CASE%s END\n\\set key_id CASE%s END\n", NR, us, id}' \
    "$work/$label-keys.txt" >"$work/$sql"
  grep -v '^\\set' "bench/pgbench/$sql" >>"$work/$sql"
  log "v2 $label: $(wc -l <"$work/$label-cursors.txt") cursors, up to $(( $(wc -l <"$work/$label-cursors.txt") * stride * 100 )) tasks deep"
}
walk_cursors v2cursor "" 100 v2-cursor.sql
walk_cursors v2label "&label=label-3" 20 v2-label-cursor.sql
run_wrk v2-list v2list BENCH_TOKEN="$member_token"
run_wrk v2-cursor v2cursor BENCH_CURSORS="$work/v2cursor-cursors.txt" BENCH_TOKEN="$member_token"
run_wrk v2-label-cursor v2label BENCH_CURSORS="$work/v2label-cursors.txt" BENCH_TOKEN="$member_token"
run_wrk v2-comments v2comments BENCH_LO="$task_lo" BENCH_HI=$((task_lo + 49))
run_wrk v2-search v2search BENCH_LO=1 BENCH_HI="$TASKS" BENCH_TOKEN="$member_token"
run_latency v2-search v2search BENCH_LO=1 BENCH_HI="$TASKS" BENCH_TOKEN="$member_token"
run_wrk changes changes BENCH_TXID="${change_txid:-0}" BENCH_LO="${change_lo:-1}" BENCH_HI="${change_hi:-1}" BENCH_TOKEN="$member_token"
run_latency changes changes BENCH_TXID="${change_txid:-0}" BENCH_LO="${change_lo:-1}" BENCH_HI="${change_hi:-1}" BENCH_TOKEN="$member_token"
run_wrk v2-get v2get BENCH_LO="$task_lo" BENCH_HI="$task_hi"
run_wrk v2-get v2getpat BENCH_LO="$task_lo" BENCH_HI="$task_hi" BENCH_TOKEN="$pat_token"
run_wrk v2-get v2get304 BENCH_LO="$task_lo" BENCH_HI="$task_hi" BENCH_IF_NONE_MATCH='"1"'
checkpoint; run_wrk v2-patch v2patch BENCH_LO="$task_lo" BENCH_HI="$task_hi"
# Issue 29: a batch of BATCH_SIZE creates (atomic, one transaction) against single creates, compared in tasks per second.
checkpoint; run_wrk v2-create v2create
checkpoint; run_wrk v2-batch v2batch BENCH_BATCH_SIZE="$BATCH_SIZE"
# The worker writes the audit entries of the writes above as their events arrive: wait until it has caught up (no
# unsent outbox row, the trail no longer growing), so no backlog runs into the cases after, and report how long it took.
drain_s=""
if part http && [[ $CASES == *" update "* || $CASES == *" create "* ]]; then
  t0=$(date +%s.%N); last_audits=""
  for _ in $(seq 600); do
    read -r pending audits < <(psql_ -d "$DB" -tA -F' ' -c \
      "SELECT (SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL), (SELECT count(*) FROM task_audit)")
    [[ $pending == 0 && $audits == "$last_audits" ]] && break
    last_audits=$audits; sleep 1
  done
  drain_s=$(awk "BEGIN{printf \"%.0f\", $(date +%s.%N) - $t0 - 1}")
  log "the worker caught up with the audit trail ${drain_s}s after the last write case ($audits entries)"
fi
run_wrk login login
stop_service
rss_http=$(peak_mb http-api); rss_http_worker=$(peak_mb http-worker)
log "service run 1 peak RSS: API ${rss_http} MB, worker ${rss_http_worker} MB"
fi

# ------------------------------------------------------------------ pgbench floors (service stopped)
run_pgbench() { # run_pgbench SCRIPT LABEL [-D var=value ...]
  local script="$1" label="$2"; shift 2
  part pgbench && [[ $CASES == *" $label "* ]] || return 0
  [[ $script == /* ]] || script="bench/pgbench/$script"
  rm -f "$work"/pgb-"$label".*
  "$PGBENCH" -h "$PGHOST" -p "$PGPORT" -U taskmanager -n -c "$CONNS" -j "$THREADS" -T "$WARMUP" -f "$script" "$@" "$DB" \
    >/dev/null 2>&1 || true
  rm -f "$work"/pgb-"$label".*
  "$PGBENCH" -h "$PGHOST" -p "$PGPORT" -U taskmanager -n -c "$CONNS" -j "$THREADS" -T "$DURATION" -f "$script" \
    -l --log-prefix="$work/pgb-$label" "$@" "$DB" >"$work/pgbench-$label.txt" 2>&1 || { cat "$work/pgbench-$label.txt" >&2; die "pgbench $label failed"; }
  PG_TPS[$label]=$(awk '/^tps = /{printf "%.1f", $3}' "$work/pgbench-$label.txt")
  PG_FAIL[$label]=$(awk '/number of failed transactions/{print $5}' "$work/pgbench-$label.txt"); PG_FAIL[$label]=${PG_FAIL[$label]:-0}
  read -r PG_P50[$label] PG_P99[$label] < <(cat "$work"/pgb-"$label".* | awk '{print $3}' | sort -n \
    | awk '{v[NR]=$1} END{i50=int(NR*0.50); i99=int(NR*0.99); if(i50<1)i50=1; if(i99<1)i99=1; printf "%.2f %.2f\n", v[i50]/1000, v[i99]/1000}')
  log "pgbench $label: ${PG_TPS[$label]} tps, p50 ${PG_P50[$label]} ms, p99 ${PG_P99[$label]} ms, failed ${PG_FAIL[$label]}"
}
log "pgbench floors"
run_pgbench list-page.sql page1 -D page_lo=1 -D page_hi=1
run_pgbench list-page.sql deep -D page_lo="${DEEP%-*}" -D page_hi="${DEEP#*-}"
run_pgbench list-filter.sql filtered -D page_lo="${FILTERED%-*}" -D page_hi="${FILTERED#*-}"
run_pgbench list-date.sql date -D days="$days" -D pages="$date_pages"
run_pgbench entry.sql entry -D id_lo="$id_lo" -D id_hi="$id_hi" -D uid="${uid:-1}"
checkpoint; run_pgbench update.sql update -D uid="$uid" -D task_lo="$task_lo" -D task_hi="$task_hi"
checkpoint; run_pgbench create.sql create -D uid="$uid"
run_pgbench login.sql login -D uid="$uid" -D uname="'$BENCH_USER'"
run_pgbench v2-list.sql v2list -D hidden="'$hidden'"
if [[ -f $work/v2-cursor.sql ]]; then run_pgbench "$work/v2-cursor.sql" v2cursor -D hidden="'$hidden'"
elif part pgbench && [[ $CASES == *" v2cursor "* ]]; then log "pgbench v2cursor: skipped, its keys come from the HTTP part's cursors"; fi
if [[ -f $work/v2-label-cursor.sql ]]; then run_pgbench "$work/v2-label-cursor.sql" v2label -D hidden="'$hidden'"
elif part pgbench && [[ $CASES == *" v2label "* ]]; then log "pgbench v2label: skipped, its keys come from the HTTP part's cursors"; fi
run_pgbench v2-comments.sql v2comments -D task_lo="$task_lo" -D task_hi=$((task_lo + 49)) -D uid="${uid:-1}"
run_pgbench v2-search.sql v2search -D q_lo=1 -D q_hi="$TASKS" -D hidden="'$hidden'"
run_pgbench changes.sql changes -D txid="${change_txid:-0}" -D seq_lo="${change_lo:-1}" -D seq_hi="${change_hi:-1}" -D uid="${member_uid:-1}"
run_pgbench v2-get.sql v2get -D task_lo="$task_lo" -D task_hi="$task_hi" -D uid="${uid:-1}"
run_pgbench v2-get.sql v2get304 -D task_lo="$task_lo" -D task_hi="$task_hi" -D uid="${uid:-1}"
checkpoint; run_pgbench update.sql v2patch -D uid="$uid" -D task_lo="$task_lo" -D task_hi="$task_hi"

# Login's other floor: the password hash alone. PBKDF2-HMAC-SHA512 at the service's iteration count (OpenSSL's, through
# Python's hashlib, as .NET's is on Linux), one process per core for DURATION seconds: the most logins a second the
# cores allow, with nothing else running.
pbkdf2_rate=""
if part pgbench && [[ $CASES == *" login "* ]]; then
  iterations=$(python3 -c "import json;print(json.load(open('appsettings.json'))['Auth']['PasswordHashIterations'])")
  pbkdf2_rate=$(python3 - "$(nproc)" "$iterations" "$DURATION" <<'PY'
import hashlib, multiprocessing, os, sys, time
def work(iterations, seconds, results):
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        hashlib.pbkdf2_hmac("sha512", b"correct-horse-battery-1", os.urandom(16), iterations, 32)
        n += 1
    results.put(n)
cores, iterations, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
results = multiprocessing.Queue()
workers = [multiprocessing.Process(target=work, args=(iterations, seconds, results)) for _ in range(cores)]
for w in workers: w.start()
total = sum(results.get() for _ in workers)
for w in workers: w.join()
print(f"{total / seconds:.1f}")
PY
)
  log "PBKDF2-HMAC-SHA512, $iterations iterations, $(nproc) processes: $pbkdf2_rate hashes/s"
fi

# pgbench's writes queued outbox events like the service's; nothing relays them while it runs, and the next service
# would send them all (and its worker write their audit entries) during the snapshot it measures. They are the floor's
# by-products, not work of the service's: dropped.
part pgbench && psql_ -d "$DB" -c "DELETE FROM outbox_messages WHERE sent_at IS NULL" >/dev/null

# ------------------------------------------------------------------ daily snapshot: service vs bare statement
if part snapshot; then
today=$(psql_ -d "$DB" -tAc "SELECT (now() AT TIME ZONE 'utc')::date")
clear_today() {
  psql_ -d "$DB" -c "DELETE FROM task_logger WHERE log_date = '$today'" -c "DELETE FROM task_log_snapshots WHERE log_date = '$today'" \
    -c "VACUUM (ANALYZE) tasks, task_logger, task_log_counts" >/dev/null
}
log "snapshot: making every task active"
psql_ -d "$DB" -c "UPDATE tasks SET status = true WHERE NOT status" >/dev/null
active=$(psql_ -d "$DB" -tAc "SELECT count(*) FROM tasks WHERE status")
clear_today

# Both sides insert into the space the previous run's rows left (deleted, vacuumed): a first, unmeasured bare
# run makes the service's first run meet the same table every later run meets. The bare statement writes the
# same rows as the service's (assigned_user_id and project_id too).
bare_sql="INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
  SELECT id, '$today', status, priority, assigned_user_id, project_id FROM tasks WHERE status"
psql_ -d "$DB" -c "$bare_sql" >/dev/null
clear_today

# A million rows of WAL set off checkpoints whose timing moves either side by several seconds: two rounds, service
# then bare, each starting from a checkpoint, and each side's best run is its figure.
log "service run 2: snapshot of $active active tasks, two rounds with the bare statement"
SERVICE_ENV=(TaskLog__SnapshotBatchSize="$SNAPSHOT_BATCH")
start_service snapshot
SERVICE_ENV=()
token=$(login)
snap_runs=(); bare_runs=(); batch_runs=()
for round in 1 2; do
  psql_ -d "$DB" -c "CHECKPOINT" >/dev/null
  t0=$(date +%s.%N)
  curl -sf -X POST "http://127.0.0.1:$PORT/api/task-log/snapshot" -H "Authorization: Bearer $token" >/dev/null || die "snapshot request failed"
  # One session waits for the record (each statement of the loop sees what committed before it): a psql started
  # every tenth of a second would take CPU from the snapshot that the bare statements do not lose.
  psql_ -d "$DB" -c "DO \$\$ BEGIN FOR i IN 1..6000 LOOP
      EXIT WHEN EXISTS (SELECT 1 FROM task_log_snapshots WHERE log_date = '$today'); PERFORM pg_sleep(0.05);
    END LOOP; END \$\$" >/dev/null
  snap_runs+=("$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")")
  snap_rows=$(psql_ -d "$DB" -tAc "SELECT rows_written FROM task_log_snapshots WHERE log_date = '$today'" 2>/dev/null || true)
  [[ -n $snap_rows ]] || { tail -n 20 "$work"/service-snapshot-*.log >&2; die "the snapshot did not finish in 300 s"; }
  log "snapshot via service, round $round: $snap_rows rows in ${snap_runs[-1]}s"
  clear_today
  psql_ -d "$DB" -c "CHECKPOINT" >/dev/null
  bare_out=$(psql_ -d "$DB" -c '\timing on' -c "$bare_sql")
  bare_runs+=("$(awk '/^Time:/{printf "%.2f", $2/1000}' <<<"$bare_out")")
  log "bare INSERT ... SELECT, round $round: ${bare_runs[-1]}s"
  clear_today
  # The same batches as the service's (TaskLog__SnapshotBatchSize task ids, a transaction each), in psql.
  psql_ -d "$DB" -c "CHECKPOINT" >/dev/null
  max_id=$(psql_ -d "$DB" -tAc "SELECT max(id) FROM tasks")
  t0=$(date +%s.%N)
  for ((after = 0; after < max_id; after += SNAPSHOT_BATCH)); do
    last=$((after + SNAPSHOT_BATCH))
    echo "INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
      SELECT t.id, '$today', t.status, t.priority, t.assigned_user_id, t.project_id FROM tasks t WHERE t.status AND t.id > $after AND t.id <= $last
      AND NOT EXISTS (SELECT 1 FROM task_logger l WHERE l.task_id = t.id AND l.log_date = '$today' AND l.task_id > $after AND l.task_id <= $last);"
  done | psql_ -d "$DB" >/dev/null
  batch_runs+=("$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")")
  log "bare batches of $SNAPSHOT_BATCH, round $round: ${batch_runs[-1]}s"
  clear_today
done
stop_service
rss_snapshot=$(peak_mb snapshot-api); rss_snapshot_worker=$(peak_mb snapshot-worker)
snap_s=$(printf '%s\n' "${snap_runs[@]}" | sort -g | head -n1)
bare_s=$(printf '%s\n' "${bare_runs[@]}" | sort -g | head -n1)
batch_s=$(printf '%s\n' "${batch_runs[@]}" | sort -g | head -n1)
log "snapshot: service best ${snap_s}s (${snap_runs[*]}), bare best ${bare_s}s (${bare_runs[*]}); peak RSS: API ${rss_snapshot} MB, worker ${rss_snapshot_worker} MB"
fi

# ------------------------------------------------------------------ CSV import vs \copy
import_line=""
if part import && (( IMPORT_ROWS > 0 )); then
  log "import of $IMPORT_ROWS rows (bench/import.sh)"
  bench/import.sh "$IMPORT_ROWS" >"$work/import.txt"
  import_line=$(grep -E "^\| $IMPORT_ROWS \|" "$work/import.txt")
fi

# ------------------------------------------------------------------ webhooks
webhooks_table=""
if part webhooks; then
  log "webhooks (bench/webhooks.sh)"
  bench/webhooks.sh >"$work/webhooks.txt"
  webhooks_table=$(cat "$work/webhooks.txt")
fi

# ------------------------------------------------------------------ change streams
streams_table=""
if part streams; then
  log "change streams (bench/streams.sh)"
  bench/streams.sh >"$work/streams.txt"
  streams_table=$(cat "$work/streams.txt")
fi

write_results
results_written=1
cat "$OUT"
log "wrote $OUT in ${elapsed}s"
