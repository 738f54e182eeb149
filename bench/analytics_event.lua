-- wrk script: analytics events as the tracking script sends them. Each request comes from a
-- random address (X-Forwarded-For, believed because the server trusts loopback as a proxy)
-- with one of a few real browsers' user agents, on one of 200 pages of the site, a quarter
-- of them arriving from a search engine. Needs LV_SITE (the site id) and LV_HOST (its domain).
local site = os.getenv("LV_SITE")
local host = os.getenv("LV_HOST")
local agents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
}
local threads = {}

function setup(thread)
    thread:set("seed", math.random(1, 1000000))
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(seed + os.time())
    accepted, limited, overloaded, other = 0, 0, 0, 0
end

function response(status, headers, body)
    if status == 202 then accepted = accepted + 1
    elseif status == 429 then limited = limited + 1
    elseif status == 503 then overloaded = overloaded + 1
    else other = other + 1 end
end

-- Which answers came back: accepted (202), rate limited (429), queue full (503), other.
function done(summary, latency, requests)
    local a, l, o, x = 0, 0, 0, 0
    for _, t in ipairs(threads) do
        a = a + t:get("accepted"); l = l + t:get("limited")
        o = o + t:get("overloaded"); x = x + t:get("other")
    end
    io.stderr:write(string.format("answers: 202 %d, 429 %d, 503 %d, other %d\n", a, l, o, x))
end

function request()
    local ip = math.random(11, 220) .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
    local referrer = "null"
    if math.random(1, 4) == 1 then referrer = '"https://www.google.com/"' end
    local body = '{"s":"' .. site .. '","n":"pageview","u":"https://' .. host .. '/page-' .. math.random(1, 200) ..
        '","r":' .. referrer .. ',"w":' .. math.random(360, 1920) .. '}'
    return wrk.format("POST", "/api/event", {
        ["Content-Type"] = "text/plain",
        ["X-Forwarded-For"] = ip,
        ["User-Agent"] = agents[math.random(1, #agents)],
    }, body)
end
