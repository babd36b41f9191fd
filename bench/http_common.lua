-- Shared by the bench/http_*.lua wrk scripts: thread numbering, the API key from the
-- environment, and one machine-readable result line per run (parsed by bench/http_load.sh).
local common = {}

local threads = {}
local counter = 0

function common.setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function common.headers()
  return {
    ["Authorization"] = "Bearer " .. os.getenv("TALLY_BENCH_KEY"),
    ["Content-Type"] = "application/json",
  }
end

-- events_per_request: how many custom events one successful request carries (0 for reads).
function common.done(summary, latency, events_per_request)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  local ok = summary.requests - errors
  io.write(string.format("RESULT req_s=%.0f events_s=%.0f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests / seconds, ok * events_per_request / seconds,
    latency:percentile(50), latency:percentile(99), errors))
end

return common
