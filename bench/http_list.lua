-- wrk script: customEvents.list of one seeded contact's events (default page of 50).
package.path = package.path .. ";" .. os.getenv("TALLY_BENCH_DIR") .. "/?.lua"
local common = require("http_common")

setup = common.setup
local n = 0
local headers = nil

request = function()
  headers = headers or common.headers()
  n = n + 1
  local path = "/api/customEvents.list?workspace_id=bench&email=seed" .. (n % 100) .. "@example.com"
  return wrk.format("GET", path, headers)
end

done = function(summary, latency, requests) common.done(summary, latency, 0) end
