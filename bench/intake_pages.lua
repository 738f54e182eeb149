-- wrk script: fetches public form pages and keeps each page's token, one per line, in
-- LV_TOKENS.<thread> (every page is good for one submission). Random client addresses, as
-- in intake_submit.lua, so the per-IP page limit sees many visitors.
-- Needs LV_PATH (/f/<form id>) and LV_TOKENS (a file name prefix).
local path = os.getenv("LV_PATH")
local prefix = os.getenv("LV_TOKENS")
local threads = 0

function setup(thread)
    threads = threads + 1
    thread:set("id", threads)
    thread:set("seed", math.random(1, 1000000))
end

function init(args)
    math.randomseed(seed + os.time())
    out = io.open(prefix .. "." .. id, "a")
end

function request()
    local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    return wrk.format("GET", path, { ["X-Forwarded-For"] = ip })
end

function response(status, headers, body)
    local token = body and string.match(body, 'name="_token" value="([^"]+)"')
    if token then
        out:write(token, "\n")
        out:flush()
    end
end
