-- wrk script of bench/soak.py: a mix of 60 % health checks, 20 % short
-- generations and 20 % searches of the collection SOAK_COLLECTION, counting
-- every status seen (printed by done() as "status N: count").
local collection = os.getenv("SOAK_COLLECTION") or "1"
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

local health = wrk.format("GET", "/api/v1/health")
local generate = wrk.format("POST", "/api/v1/models/generate", {["Content-Type"] = "application/json"},
  '{"prompt":"Once upon a time","max_tokens":8}')
local search = wrk.format("POST", "/api/v1/collections/" .. collection .. "/search",
  {["Content-Type"] = "application/json"}, '{"query":"when do storms come","top_k":5}')

function request()
  counter = counter + 1
  local k = counter % 10
  if k < 6 then return health end
  if k < 8 then return generate end
  return search
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("status %d: %d\n", code, n)) end
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
