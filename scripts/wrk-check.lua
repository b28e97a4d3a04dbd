-- wrk: POST the example household to /v1/check, over and over (scripts/bench-serve).
local f = assert(io.open(os.getenv("HOUSEHOLD") or "examples/households/h001.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.path = os.getenv("CHECK_PATH") or "/v1/check?on=2023-12-01"

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("checks/s %.0f  p50 %.2f ms  p99 %.2f ms  non-2xx or errors %d  bytes/response %.0f\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.bytes / math.max(summary.requests, 1)))
end
