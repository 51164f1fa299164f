-- wrk script for scripts/soak: POST /v1/orders with a valid order (the producer assigns the
-- order_id), paced by delay() to WRK_RATE requests/s per connection set, counting 202s.
--   wrk -t1 -c4 -d60s --latency -s scripts/soak.lua http://127.0.0.1:PORT/v1/orders
-- Env: SOAK_DELAY_MS (per-connection delay between requests, default 0).
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "0")
local customers = 100
local n = 0
accepted = 0
other = 0

local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function request()
    n = n + 1
    local body = string.format(
        '{"customer_id":"CUST-%05d","items":[{"item_id":"ITEM-03","name":"Margherita Pizza","quantity":2,"unit_price":12.5}],"total_amount":25.0}',
        n % customers + 1)
    return wrk.format(nil, nil, nil, body)
end

function delay()
    return delay_ms
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
    io.write(string.format("SOAK_POST accepted=%d other=%d\n", a, o))
end
