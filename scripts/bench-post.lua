-- wrk script for scripts/bench (HTTP ingestion): POST valid orders, count the answers.
--   BENCH_BATCH=1    POST /v1/orders, one order per request (the producer assigns the ids)
--   BENCH_BATCH=100  POST /v1/orders:batch, a JSON array of 100 orders per request
-- Prints one line at the end: BENCH_POST batch=N accepted=<202s> other=<other statuses>.
--   wrk -t1 -c50 -d10s --latency -s scripts/bench-post.lua http://127.0.0.1:PORT
local batch = tonumber(os.getenv("BENCH_BATCH") or "1")
local customers = 100
accepted = 0
other = 0

local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

local function order(n)
    return string.format(
        '{"customer_id":"CUST-%05d","items":[{"item_id":"ITEM-03","name":"Cheeseburger","quantity":2,"unit_price":10.99},'
            .. '{"item_id":"ITEM-15","name":"French Fries","quantity":1,"unit_price":3.99}],"total_amount":25.97}',
        n % customers + 1)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
local batch_body
if batch > 1 then
    local parts = {}
    for i = 1, batch do parts[i] = order(i) end
    batch_body = "[" .. table.concat(parts, ",") .. "]"
end

function request()
    if batch > 1 then
        return wrk.format(nil, "/v1/orders:batch", nil, batch_body)
    end
    n = n + 1
    return wrk.format(nil, "/v1/orders", nil, order(n))
end

function response(status, headers, body)
    if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
    local a, o = 0, 0
    for _, t in ipairs(threads) do
        a = a + (t:get("accepted") or 0)
        o = o + (t:get("other") or 0)
    end
    io.write(string.format("BENCH_POST batch=%d accepted=%d other=%d\n", batch, a, o))
    io.write(string.format("BENCH_LATENCY_US p50=%d p90=%d p99=%d max=%d\n",
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
