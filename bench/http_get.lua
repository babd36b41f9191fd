-- wrk script: customEvents.get of events that http_load.sh stored first (ids seed-0..seed-N).
package.path = package.path .. ";" .. os.getenv("TALLY_BENCH_DIR") .. "/?.lua"
local common = require("http_common")
local seeded = tonumber(os.getenv("TALLY_BENCH_SEEDED"))

setup = common.setup
local n = 0
local headers = nil

request = function()
  headers = headers or common.headers()
  n = n + 1
  local path = "/api/customEvents.get?workspace_id=bench&event_name=orders/completed&external_id=seed-"
    .. ((n * 7919 + thread_id) % seeded)
  return wrk.format("GET", path, headers)
end

done = function(summary, latency, requests) common.done(summary, latency, 0) end
