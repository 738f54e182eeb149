-- wrk script: durable consultation submissions, each with its own page token (a page is good
-- for one submission) from LV_TOKENS, one per line, shared out between the threads. Each
-- request comes from a random address (X-Forwarded-For, believed because the server trusts
-- loopback as a proxy), so the per-IP limit sees many visitors, as it would in production.
-- Needs LV_PATH (/f/<form id>), LV_BODY (the url-encoded answers) and LV_TOKENS.
local path = os.getenv("LV_PATH")
local body = os.getenv("LV_BODY")
local tokens_file = os.getenv("LV_TOKENS")
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
    thread:set("seed", math.random(1, 1000000))
end

function init(args)
    math.randomseed(seed + os.time())
    tokens = {}
    local n = 0
    for line in io.lines(tokens_file) do
        n = n + 1
        -- Thread k takes lines k, k + 2, k + 4, … (two threads: wrk -t2).
        if n % 2 == id % 2 then
            tokens[#tokens + 1] = line
        end
    end
    next_token = 1
    counter = 0
end

function request()
    local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Sec-Fetch-Site"] = "same-origin",
        ["X-Forwarded-For"] = ip,
    }
    -- A different person each time (e-mail address), as real traffic is.
    counter = counter + 1
    local who = string.format("person%d.%d%%40example.com", seed, counter)
    local token = tokens[next_token] or "spent"
    next_token = next_token + 1
    return wrk.format("POST", path, headers, "_token=" .. token .. "&" .. body .. "&email=" .. who)
end
