-- wrk script for bench/http-load: GET /api/v1/sip-phone-numbers/{id} over keep-alive
-- connections, spread over the imported ids.
--
--   HTTP_LOAD_TOKEN=<admin token> wrk -t2 -c64 -d10s -s bench/http/get_number.lua \
--     http://127.0.0.1:PORT -- IDS_FILE
--
-- IDS_FILE holds one phone number id per line. The token comes from the environment so
-- that it does not show in `ps`. Every request string is built once in init(), so that
-- request() costs wrk almost nothing; each thread walks the ids in its own shuffled order.
-- Every status that is not 2xx is counted (wrk itself counts only statuses > 399), and
-- done() prints one line "http-load-result {json}" for bench/http-load to parse.

local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local request_strings = {}
local next_request = 1
non2xx = 0
statuses = {}

function init(args)
  local ids_file = args[1]
  local token = os.getenv("HTTP_LOAD_TOKEN")
  if not ids_file or not token or token == "" then
    io.stderr:write("get_number.lua: usage: HTTP_LOAD_TOKEN=... wrk ... -s get_number.lua URL -- IDS_FILE\n")
    os.exit(2)
  end
  local ids = {}
  local f = io.open(ids_file, "r")
  if not f then
    io.stderr:write("get_number.lua: cannot open " .. ids_file .. "\n")
    os.exit(2)
  end
  for line in f:lines() do
    if line ~= "" then table.insert(ids, line) end
  end
  f:close()
  if #ids == 0 then
    io.stderr:write("get_number.lua: " .. ids_file .. " holds no ids\n")
    os.exit(2)
  end
  math.randomseed(1234 + (thread_index or 0))
  for i = #ids, 2, -1 do
    local j = math.random(i)
    ids[i], ids[j] = ids[j], ids[i]
  end
  local headers = { ["Authorization"] = "Bearer " .. token }
  for i, id in ipairs(ids) do
    request_strings[i] = wrk.format("GET", "/api/v1/sip-phone-numbers/" .. id, headers)
  end
end

function request()
  local r = request_strings[next_request]
  next_request = next_request + 1
  if next_request > #request_strings then next_request = 1 end
  return r
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local by_status = {}
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    for status, n in pairs(t:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + n
    end
  end
  local status_parts = {}
  for status, n in pairs(by_status) do
    table.insert(status_parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'http-load-result {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"non2xx":%d,"non2xx_by_status":{%s},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p99.9":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    bad, table.concat(status_parts, ","),
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
