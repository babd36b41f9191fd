-- wrk script: customEvents.import with 50 events (unique external_ids) per request.
package.path = package.path .. ";" .. os.getenv("TALLY_BENCH_DIR") .. "/?.lua"
local common = require("http_common")
local run = os.getenv("TALLY_BENCH_RUN")

setup = common.setup
local n = 0
local headers = nil

request = function()
  headers = headers or common.headers()
  local events = {}
  for i = 1, 50 do
    n = n + 1
    events[i] = '{"email":"user' .. (n % 10000) .. '@example.com","event_name":"orders/completed",'
      .. '"external_id":"' .. run .. "-" .. thread_id .. "-" .. n .. '",'
      .. '"properties":{"items":3},"goal_type":"purchase","goal_value":19.99,'
      .. '"occurred_at":"2026-11-20T10:00:00Z"}'
  end
  local body = '{"workspace_id":"bench","events":[' .. table.concat(events, ",") .. ']}'
  return wrk.format("POST", "/api/customEvents.import", headers, body)
end

done = function(summary, latency, requests) common.done(summary, latency, 50) end
