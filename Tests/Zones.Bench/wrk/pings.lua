-- wrk script for deploy/local/bench.sh --wrk: closed-model throughput of POST /api/v1/locations, the same walk
-- as the generator (east-west through the 200 m home zone in 20 m steps, 1 fix a second per user).
-- Usage: wrk -t2 -c32 -d10s -s pings.lua URL -- USERS_LUA PINGS_PER_REQUEST FIRST_TIMESTAMP_MS
-- USERS_LUA returns {{t = token, la = home latitude, lo = home longitude}, ...} (Zones.Bench writes it).
local users, per, index, threads
local started = 0
function setup(thread)
  started = started + 1
  thread:set("number", started)
end
function init(args)
  users = dofile(args[1])
  per = tonumber(args[2] or "1")
  local first = tonumber(args[3])
  threads = 2
  index = number or 1
  for _, u in ipairs(users) do
    u.ts = first
    u.east = -390
    u.step = 20
  end
end
local function ping(u)
  if u.east + u.step > 390 or u.east + u.step < -390 then u.step = -u.step end
  u.east = u.east + u.step
  u.ts = u.ts + 1000
  local lon = u.lo + u.east / (6371008.8 * math.pi / 180 * math.cos(math.rad(u.la)))
  return string.format('{"latitude":%.7f,"longitude":%.7f,"accuracy":5,"timestamp":%d}', u.la, lon, u.ts)
end
function request()
  -- Each thread walks its own users (every threads-th one), so two threads never send for one user.
  index = index + threads
  if index > #users then index = number end
  local u = users[index]
  local parts = {}
  for i = 1, per do parts[i] = ping(u) end
  return wrk.format("POST", "/api/v1/locations",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. u.t },
    '{"pings":[' .. table.concat(parts, ",") .. ']}')
end
