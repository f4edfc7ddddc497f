-- One wrk script for every case of bench/run.sh, chosen by the environment:
--   BENCH_CASE   live | list-page | list-filter | list-date | entry | create | update | login
--   BENCH_TOKEN  a bearer token (admin) for the /api routes
--   BENCH_LO, BENCH_HI   the random range of the case (page, entry id or task id); BENCH_DAYS, BENCH_PAGES for list-date
--   BENCH_USER, BENCH_PASSWORD   for login
--   v2: v2-list (page 1), v2-cursor (BENCH_CURSORS: a file of next_cursor values, one a line), v2-search (q = a random
--   task number in BENCH_LO..BENCH_HI), v2-get (BENCH_IF_NONE_MATCH to ask for 304), v2-patch, v2-label-cursor (cursors of
--   ?label=label-3), v2-comments (the first page of a random task's comments in BENCH_LO..BENCH_HI), v2-create (one task),
--   v2-batch (an atomic POST /api/v2/batch of BENCH_BATCH_SIZE creates, default 100); changes (after = BENCH_TXID and a seq
--   in BENCH_LO..BENCH_HI)
-- done() prints one line run.sh parses:  BENCH <req/s> <p50 ms> <p99 ms> <non-2xx> <socket errors> <requests>
local case = os.getenv("BENCH_CASE") or "live"
local token = os.getenv("BENCH_TOKEN") or ""
local lo = tonumber(os.getenv("BENCH_LO") or "1")
local txid = tonumber(os.getenv("BENCH_TXID") or "0")
local hi = tonumber(os.getenv("BENCH_HI") or "1")
local days = tonumber(os.getenv("BENCH_DAYS") or "365")
local pages = tonumber(os.getenv("BENCH_PAGES") or "1")
local priorities = { "LOW", "MEDIUM", "HIGH", "CRITICAL" }
local counter = 0
local batch_size = tonumber(os.getenv("BENCH_BATCH_SIZE") or "100")
local cursors = {}
if os.getenv("BENCH_CURSORS") then
  for line in io.lines(os.getenv("BENCH_CURSORS")) do table.insert(cursors, line) end
end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  wrk.headers["Accept"] = "application/json"
  if case ~= "live" and case ~= "login" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if case == "create" or case == "update" or case == "login" or case == "v2-patch" or case == "v2-create" or case == "v2-batch" then
    wrk.headers["Content-Type"] = "application/json"
  end
  if os.getenv("BENCH_IF_NONE_MATCH") then
    wrk.headers["If-None-Match"] = os.getenv("BENCH_IF_NONE_MATCH")
  end
end

local function utc_date(days_ago)
  return os.date("!%Y-%m-%d", os.time() - days_ago * 86400)
end

function request()
  if case == "live" then
    return wrk.format("GET", "/health/live")
  elseif case == "list-page" then
    return wrk.format("GET", "/api/tasks?page=" .. math.random(lo, hi) .. "&per_page=10")
  elseif case == "list-filter" then
    return wrk.format("GET", "/api/tasks?priority=HIGH&page=" .. math.random(lo, hi) .. "&per_page=10")
  elseif case == "list-date" then
    return wrk.format("GET", "/api/tasks?date=" .. utc_date(math.random(0, days - 1)) ..
      "&page=" .. math.random(1, pages) .. "&per_page=10")
  elseif case == "entry" then
    return wrk.format("GET", "/api/task/" .. math.random(lo, hi))
  elseif case == "create" then
    counter = counter + 1
    return wrk.format("POST", "/api/task", nil,
      '{"task_name":"bench task ' .. counter .. '","priority":"' .. priorities[math.random(1, 4)] .. '"}')
  elseif case == "update" then
    return wrk.format("PUT", "/api/task/" .. math.random(lo, hi), nil,
      '{"priority":"' .. priorities[math.random(1, 4)] .. '"}')
  elseif case == "v2-list" then
    return wrk.format("GET", "/api/v2/tasks?limit=20")
  elseif case == "v2-cursor" then
    return wrk.format("GET", "/api/v2/tasks?limit=20&cursor=" .. cursors[math.random(1, #cursors)])
  elseif case == "v2-label-cursor" then
    return wrk.format("GET", "/api/v2/tasks?limit=20&label=label-3&cursor=" .. cursors[math.random(1, #cursors)])
  elseif case == "v2-comments" then
    return wrk.format("GET", "/api/v2/tasks/" .. math.random(lo, hi) .. "/comments?limit=50")
  elseif case == "v2-search" then
    return wrk.format("GET", "/api/v2/tasks?limit=20&q=" .. math.random(lo, hi))
  elseif case == "changes" then
    return wrk.format("GET", string.format("/api/v2/changes?limit=100&after=%016x%016x", txid, math.random(lo, hi)))
  elseif case == "v2-get" then
    return wrk.format("GET", "/api/v2/tasks/" .. math.random(lo, hi))
  elseif case == "v2-patch" then
    return wrk.format("PATCH", "/api/v2/tasks/" .. math.random(lo, hi), nil,
      '{"priority":"' .. priorities[math.random(1, 4)] .. '"}')
  elseif case == "v2-create" then
    counter = counter + 1
    return wrk.format("POST", "/api/v2/tasks", nil,
      '{"task_name":"bench task ' .. counter .. '","priority":"' .. priorities[math.random(1, 4)] .. '"}')
  elseif case == "v2-batch" then
    local operations = {}
    for i = 1, batch_size do
      counter = counter + 1
      operations[i] = '{"method":"POST","path":"/api/v2/tasks","body":{"task_name":"bench task ' .. counter ..
        '","priority":"' .. priorities[math.random(1, 4)] .. '"}}'
    end
    return wrk.format("POST", "/api/v2/batch", nil, '{"atomic":true,"operations":[' .. table.concat(operations, ",") .. ']}')
  elseif case == "login" then
    return wrk.format("POST", "/api/login", nil,
      '{"username":"' .. os.getenv("BENCH_USER") .. '","password":"' .. os.getenv("BENCH_PASSWORD") .. '"}')
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
