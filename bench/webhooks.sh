#!/usr/bin/env bash
# Webhook deliveries end to end, on this machine, in one run:
#
#   bench/webhooks.sh
#
# Starts the service as production runs it (Release; the API and the worker as two processes over RabbitMQ, in a
# virtual host of its own; durable PostgreSQL; rate limits off; http and loopback allowed for the receiver) on a database of its own with BENCH_WEBHOOK_TASKS tasks, and a local receiver (Python, HTTP/1.1
# keep-alive) that answers 204 at once. Then, with wrk (BENCH_CONNECTIONS connections, BENCH_WEBHOOK_DURATION s):
#   1. PUT /api/task/{id} (a random priority) with no subscription: the API's write throughput alone;
#   2. the same with one subscription to task.updated: every change is fanned out and delivered while the API writes.
#   3. BENCH_WEBHOOK_BACKLOG deliveries queued at once (as the fan-out writes them): the dispatcher's own rate, first
#      to last arrival, which run 2 cannot show when the API makes fewer changes a second than it can deliver.
# Reports the API's write rate in both runs, for run 2 the deliveries per second (first to last arrival) and the delay
# from the change (the task's updated_at, i.e. its statement; it commits alone) to its arrival at the receiver, and
# the backlog's rate.
# Prints a Markdown table.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
TASKS="${BENCH_WEBHOOK_TASKS:-10000}"
BACKLOG="${BENCH_WEBHOOK_BACKLOG:-10000}"
DURATION="${BENCH_WEBHOOK_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
port="${BENCH_WEBHOOK_PORT:-18095}"
rport=$((port + 1))
db=bench_webhooks

source bench/lib.sh
bench_setup webhooks "$db"

cat >"$work/receiver.py" <<'PY'
import json, sys, threading, time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
arrivals, lock = [], threading.Lock()
class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
        data = json.loads(body)["data"]
        changed = datetime.fromisoformat(data["updated_at"].replace("Z", "+00:00")).timestamp() if "updated_at" in data else now
        with lock: arrivals.append((now, now - changed, self.headers["webhook-id"]))
    def do_DELETE(self):
        with lock: arrivals.clear()
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        with lock: data = list(arrivals)
        out = {"count": len(data), "distinct": len({a[2] for a in data})}
        if data:
            times = sorted(a[0] for a in data); delays = sorted(a[1] for a in data)
            pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
            out.update(span=times[-1] - times[0], p50=pick(0.50), p99=pick(0.99), max=delays[-1])
        payload = json.dumps(out).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(payload))); self.end_headers(); self.wfile.write(payload)
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY
python3 "$work/receiver.py" "$rport" & pids+=($!)

start worker $((port + 2)) Webhooks__AllowHttp=true Webhooks__AllowPrivateNetworks=true
start api "$port" Webhooks__AllowHttp=true Webhooks__AllowPrivateNetworks=true
curl -sf -X POST "http://127.0.0.1:$port/api/register" -H 'Content-Type: application/json' \
     -d '{"username":"hooker","email":"hooker@example.com","password":"correct-horse-1"}' >/dev/null
psql_ -d "$db" -c "INSERT INTO user_roles (user_id, role_id) SELECT u.id, r.id FROM users u, roles r WHERE u.username = 'hooker' AND r.name = 'admin'" \
      -c "INSERT INTO tasks (task_name, priority, status, created_by, assigned_user_id)
          SELECT 'bench ' || g, 'LOW', true, u.id, u.id FROM generate_series(1, $TASKS) g, users u WHERE u.username = 'hooker'" \
      -c "VACUUM ANALYZE tasks" >/dev/null
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/login" -H 'Content-Type: application/json' \
     -d '{"username":"hooker","password":"correct-horse-1"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
read -r lo hi < <(psql_ -d "$db" -tA -F' ' -c "SELECT min(id), max(id) FROM tasks")

writes() { # writes LABEL: warm-up, then the measured run; prints "<req/s> <p50> <p99> <non-2xx> <requests>"
  local args=(-t"$THREADS" -c"$CONNS" --timeout 30s -s bench/wrk/bench.lua "http://127.0.0.1:$port")
  BENCH_CASE=update BENCH_TOKEN="$token" BENCH_LO="$lo" BENCH_HI="$hi" wrk -d3s "${args[@]}" >/dev/null
  BENCH_CASE=update BENCH_TOKEN="$token" BENCH_LO="$lo" BENCH_HI="$hi" wrk -d"${DURATION}s" --latency "${args[@]}" \
    | awk '/^BENCH /{print $2, $3, $4, $5, $7}'
}
read -r base_rps base_p50 base_p99 base_errors base_requests < <(writes base)
log "no subscription: $base_rps writes/s (p50 $base_p50 ms, p99 $base_p99 ms, non-2xx $base_errors)"

curl -sf -X POST "http://127.0.0.1:$port/api/v2/webhooks" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
     -d "{\"url\":\"http://127.0.0.1:$rport/hook\",\"events\":[\"task.updated\"]}" >/dev/null
read -r hooked_rps hooked_p50 hooked_p99 hooked_errors hooked_requests < <(writes hooked)
log "one subscription: $hooked_rps writes/s (p50 $hooked_p50 ms, p99 $hooked_p99 ms, non-2xx $hooked_errors)"
for _ in $(seq 600); do
  left=$(psql_ -d "$db" -tAc "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
  [[ $left == 0 && $(psql_ -d "$db" -tAc "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0 ]] && break
  sleep 0.5
done
failed=$(psql_ -d "$db" -tAc "SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'")
stats=$(curl -sf "http://127.0.0.1:$rport/stats")
read -r received distinct span p50 p99 max < <(python3 -c 'import sys,json;d=json.loads(sys.argv[1]);print(d["count"],d["distinct"],d["span"],d["p50"],d["p99"],d["max"])' "$stats")
rate=$(awk -v n="$distinct" -v s="$span" 'BEGIN{ printf "%.0f", (s > 0 ? n / s : 0) }')
ratio=$(awk -v a="$hooked_rps" -v b="$base_rps" 'BEGIN{ printf "%.2f", a / b }')
log "$distinct deliveries ($received requests, $failed not succeeded) in ${span}s: $rate/s; delay p50 ${p50}s, p99 ${p99}s"

# Where the delay goes: from the change's commit (its outbox row) to its delivery row (the outbox relay, the broker,
# the fan-out), and from the delivery row to the receiver's 2xx (the dispatcher). The relay marks a batch sent only
# after publishing all of it, so sent_at cannot split the first stage.
read -r upstream_lag dispatch_lag < <(psql_ -d "$db" -tA -F' ' -c "
  SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.created_at - o.created_at))::numeric, 3),
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.completed_at - d.created_at))::numeric, 3)
  FROM webhook_deliveries d JOIN outbox_messages o ON o.message_id = d.event_id")
log "median delay by stage: commit to delivery row ${upstream_lag}s, delivery row to 2xx ${dispatch_lag}s"
curl -sf -X DELETE "http://127.0.0.1:$rport/stats" >/dev/null
psql_ -d "$db" -c "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, next_attempt_at)
    SELECT s.id, gen_random_uuid(), 'webhook.test', json_build_object('type', 'webhook.test', 'timestamp', now(), 'data', json_build_object('n', g))::text, now()
    FROM generate_series(1, $BACKLOG) g, webhook_subscriptions s" >/dev/null
for _ in $(seq 1200); do
  [[ $(psql_ -d "$db" -tAc "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'") == 0 ]] && break
  sleep 0.5
done
read -r b_distinct b_span < <(curl -sf "http://127.0.0.1:$rport/stats" | python3 -c 'import sys,json;d=json.load(sys.stdin);print(d["distinct"],d.get("span",0))')
b_rate=$(awk -v n="$b_distinct" -v s="$b_span" 'BEGIN{ printf "%.0f", (s > 0 ? n / s : 0) }')
log "backlog: $b_distinct deliveries in ${b_span}s: $b_rate/s"

printf '| case | figure | target |\n|---|---|---|\n'
printf '| API writes (PUT /api/task/{id}), no subscription | %s req/s (p50 %s ms, p99 %s ms) | |\n' "$base_rps" "$base_p50" "$base_p99"
printf '| API writes, one subscription being delivered | %s req/s (p50 %s ms, p99 %s ms): %s of the above | >= 0.90: %s |\n' \
  "$hooked_rps" "$hooked_p50" "$hooked_p99" "$ratio" "$(awk -v r="$ratio" 'BEGIN{print (r >= 0.9 ? "met" : "missed")}')"
printf '| deliveries while the API writes (%s task changes, warm-up included; %s requests received, %s not succeeded) | %s/s (bounded by the changes made) | |\n' \
  "$distinct" "$received" "$failed" "$rate"
printf '| deliveries of a backlog (%s queued at once) | %s/s | >= 500/s: %s |\n' \
  "$b_distinct" "$b_rate" "$(awk -v r="$b_rate" 'BEGIN{print (r >= 500 ? "met" : "missed")}')"
printf '| delay from the change to its arrival | p50 %.3f s, p99 %.3f s, max %.3f s | p99 < 2 s: %s |\n' \
  "$p50" "$p99" "$max" "$(awk -v p="$p99" 'BEGIN{print (p < 2 ? "met" : "missed")}')"
printf '| median delay by stage: commit to delivery row (outbox relay, RabbitMQ, fan-out); delivery row to 2xx (dispatcher) | %s s; %s s | |\n' \
  "$upstream_lag" "$dispatch_lag"
