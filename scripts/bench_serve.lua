-- wrk script for scripts/bench_serve.py: each request takes a random path from
-- the file named by WRK_PATHS (one per line, fixed seed); done() prints one
-- machine-readable RESULT line.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  paths[#paths + 1] = line
end
local seeded = false

request = function()
  if not seeded then
    math.randomseed(7)
    seeded = true
  end
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
