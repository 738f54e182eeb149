-- wrk script: durable consultation submissions. Each request comes from a random address
-- (X-Forwarded-For, believed because the server trusts loopback as a proxy), so the per-IP
-- limit sees many visitors, as it would in production.
-- Needs LV_PATH (/f/<form id>) and LV_BODY (the url-encoded form with its page token).
local path = os.getenv("LV_PATH")
local body = os.getenv("LV_BODY")
local counter = 0

function setup(thread)
    thread:set("seed", math.random(1, 1000000))
end

function init(args)
    math.randomseed(seed + os.time())
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
    return wrk.format("POST", path, headers, body .. "&email=" .. who)
end
