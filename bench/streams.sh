#!/usr/bin/env bash
# Many change streams on one api instance, on this machine, in one run:
#
#   bench/streams.sh
#
# Starts the service as production runs it (Release; the API and the worker as two processes over RabbitMQ, in a
# virtual host of its own; durable PostgreSQL; rate limits off) on a database of its own. BENCH_STREAM_USERS users each
# own a private project of BENCH_STREAM_TASKS tasks, and BENCH_STREAMS streams (GET /api/v2/changes/stream) are spread
# over them, so each stream reads its own team's changes (1/BENCH_STREAM_USERS of the writes). Then:
#   1. the write rate with no stream: wrk, PUT /api/task/{id} of random tasks (BENCH_CONNECTIONS connections, BENCH_STREAM_DURATION s);
#   2. the same with BENCH_STREAMS streams connected and reading;
#   3. bench/streams (a .NET client) writes BENCH_STREAM_RATE changes a second for BENCH_STREAM_DURATION s (wrk has no
#      rate option) while it reads every stream: the delay from each change (its occurred_at, taken by its statement) to
#      its arrival on every stream that may read it, p50 and p99; the API's memory before and with the streams.
# Prints the two target lines ("- ...") and a Markdown table. BENCH_STREAM_ONLY_DELAY=1 runs part 3 alone.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
USERS="${BENCH_STREAM_USERS:-100}"
TASKS="${BENCH_STREAM_TASKS:-100}"
STREAMS="${BENCH_STREAMS:-1000}"
RATE="${BENCH_STREAM_RATE:-200}"
DURATION="${BENCH_STREAM_DURATION:-15}"
CONNS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
port="${BENCH_STREAM_PORT:-18097}"
db=bench_streams

source bench/lib.sh
bench_setup streams "$db"
dotnet build bench/streams/StreamLoad.csproj -c Release -nologo -v quiet >/dev/null
# Cheap password hashes: signing in a hundred users is set-up, not what is measured.
start worker $((port + 1)) Auth__PasswordHashIterations=1000
start api "$port" Auth__PasswordHashIterations=1000
base="http://127.0.0.1:$port"
signin() { # signin NAME: registers and prints an access token
  curl -s -o /dev/null -X POST "$base/api/register" -H 'Content-Type: application/json' \
       -d "{\"username\":\"$1\",\"email\":\"$1@example.com\",\"password\":\"correct-horse-1\"}"
  curl -sf -X POST "$base/api/login" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"correct-horse-1\"}" \
    | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'
}
log "signing in $USERS users"
signin stream_writer >/dev/null
psql_ -d "$db" -c "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = 'stream_writer' AND r.name = 'admin'" >/dev/null
writer=$(signin stream_writer) # signed in again: the token carries the role
for ((u = 0; u < USERS; u++)); do echo "$(signin "streamer$u")" >"$work/token-$u"; done
psql_ -d "$db" \
  -c "INSERT INTO projects (name, visibility, created_by) SELECT 'team ' || u.username, 'private', u.id FROM users u WHERE u.username LIKE 'streamer%' ORDER BY u.id" \
  -c "INSERT INTO project_members (project_id, user_id, role) SELECT p.id, p.created_by, 'owner' FROM projects p WHERE p.name LIKE 'team %'" \
  -c "INSERT INTO tasks (task_name, priority, status, created_by, assigned_user_id, project_id)
      SELECT 'bench ' || g, 'LOW', true, p.created_by, p.created_by, p.id FROM projects p, generate_series(1, $TASKS) g WHERE p.name LIKE 'team %' ORDER BY p.id, g" \
  -c "VACUUM ANALYZE tasks" -c "VACUUM ANALYZE projects" -c "VACUUM ANALYZE project_members" >/dev/null
for ((u = 0; u < USERS; u++)); do
  read -r lo hi < <(psql_ -d "$db" -tA -F' ' -c "SELECT min(t.id), max(t.id) FROM tasks t JOIN users u ON u.id = t.created_by WHERE u.username = 'streamer$u'")
  echo "$(cat "$work/token-$u") $lo $hi"
done >"$work/tokens"
read -r lo hi < <(psql_ -d "$db" -tA -F' ' -c "SELECT min(id), max(id) FROM tasks")
load=(dotnet bench/streams/bin/Release/net10.0/StreamLoad.dll)

writes() { # prints "<req/s> <p50> <p99> <non-2xx>"
  local args=(-t"$THREADS" -c"$CONNS" --timeout 30s -s bench/wrk/bench.lua "$base")
  BENCH_CASE=update BENCH_TOKEN="$writer" BENCH_LO="$lo" BENCH_HI="$hi" wrk -d3s "${args[@]}" >/dev/null
  BENCH_CASE=update BENCH_TOKEN="$writer" BENCH_LO="$lo" BENCH_HI="$hi" wrk -d"${DURATION}s" --latency "${args[@]}" | awk '/^BENCH /{print $2, $3, $4, $5}'
}
none_rps=""; none_p50=""; none_p99=""; with_rps=""; with_p50=""; with_p99=""
if [[ -z ${BENCH_STREAM_ONLY_DELAY:-} ]]; then # set: part 3 alone, for a quick turn
read -r none_rps none_p50 none_p99 none_errors < <(writes)
log "no stream: $none_rps writes/s (p50 $none_p50 ms, p99 $none_p99 ms, non-2xx $none_errors)"

"${load[@]}" hold "$base" "$work/tokens" "$STREAMS" $((DURATION + 30)) >"$work/hold.txt" 2>"$work/hold.log" & hold_pid=$!; pids+=($hold_pid)
for _ in $(seq 600); do grep -q connected "$work/hold.log" 2>/dev/null && break; sleep 0.1; done
grep -q connected "$work/hold.log" || { cat "$work/hold.log" >&2; log "the streams did not connect"; exit 1; }
read -r with_rps with_p50 with_p99 with_errors < <(writes)
log "$STREAMS streams: $with_rps writes/s (p50 $with_p50 ms, p99 $with_p99 ms, non-2xx $with_errors)"
kill "$hold_pid" 2>/dev/null || true; wait "$hold_pid" 2>/dev/null || true
fi

line=$("${load[@]}" measure "$base" "$work/tokens" "$STREAMS" "$RATE" "$DURATION" "$writer" "$api_pid" | grep '^STREAMS ')
log "$line"
field() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
ratio=$(awk -v a="$with_rps" -v b="$none_rps" 'BEGIN{ if (b + 0 > 0) printf "%.2f", a / b; else print "-" }')
met() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN{ if (v == "-" || v == "" || v == "NaN") { print "?"; exit } ok = (op == "<" ? v + 0 < t + 0 : v + 0 >= t + 0); print (ok ? "met" : "missed") }'; }
p99=$(field p99_ms)
echo "- $(field connected) change streams on one api instance, delay from change to arrival p99 < 1 s: **$(met "$p99" 1000 "<")** (p50 $(field p50_ms) ms, p99 $p99 ms; $(field received) of $(field expected) events at $(field write_rate) changes/s)"
echo "- Write rate with $STREAMS streams connected within 10% of none: **$(met "$ratio" 0.90 ">=")** (${ratio}x: $with_rps against $none_rps req/s)"
echo
echo "| figure | value | target |"
echo "|---|---|---|"
echo "| write rate, no stream (wrk PUT, $CONNS connections) | $none_rps req/s (p50 $none_p50 ms, p99 $none_p99 ms) | |"
echo "| write rate, $STREAMS streams connected | $with_rps req/s (p50 $with_p50 ms, p99 $with_p99 ms) | |"
echo "| with streams / without | $ratio | >= 0.90: $(met "$ratio" 0.90 ">=") |"
echo "| changes written at $RATE/s for ${DURATION}s (client's rate) | $(field writes) ($(field write_rate)/s, $(field failed) failed) | |"
echo "| events expected / received on $(field connected) streams | $(field expected) / $(field received) ($(field short_streams) streams short) | all |"
echo "| delay from change to arrival, p50 | $(field p50_ms) ms | |"
echo "| delay from change to arrival, p99 | $(field p99_ms) ms (max $(field max_ms) ms) | < 1000 ms: $(met "$(field p99_ms)" 1000 "<") |"
echo "| API RSS before / with the streams | $(field rss_before_mb) / $(field rss_streams_mb) MB: $(field kb_per_stream) KB a stream (peak $(field hwm_mb) MB) | |"
