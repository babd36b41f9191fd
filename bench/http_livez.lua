-- wrk script: GET /livez, the ceiling of this machine for the server's HTTP path.
package.path = package.path .. ";" .. os.getenv("TALLY_BENCH_DIR") .. "/?.lua"
local common = require("http_common")

setup = common.setup
request = function() return wrk.format("GET", "/livez") end
done = function(summary, latency, requests) common.done(summary, latency, 0) end
