-- wrk script: customEvents.upsert with a unique external_id per request.
package.path = package.path .. ";" .. os.getenv("TALLY_BENCH_DIR") .. "/?.lua"
local common = require("http_common")
local run = os.getenv("TALLY_BENCH_RUN")

setup = common.setup
local n = 0
local headers = nil

request = function()
  headers = headers or common.headers()
  n = n + 1
  local id = run .. "-" .. thread_id .. "-" .. n
  local body = '{"workspace_id":"bench","email":"user' .. (n % 10000) .. '@example.com",'
    .. '"event_name":"orders/completed","external_id":"' .. id .. '",'
    .. '"properties":{"items":3,"sku":"A-1"},"goal_type":"purchase","goal_value":19.99,'
    .. '"occurred_at":"2026-11-20T10:00:00Z"}'
  return wrk.format("POST", "/api/customEvents.upsert", headers, body)
end

done = function(summary, latency, requests) common.done(summary, latency, 1) end
