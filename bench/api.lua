-- Requests of bench/api.py against the management API, chosen by MODE:
-- get, list, lookup, first, patch, hot, create, create-password.
local mode = os.getenv("MODE")
local base = os.getenv("BASE")
local users = tonumber(os.getenv("USERS"))
local password = os.getenv("PASSWORD")
local version = "?api-version=2024-05-01"
local counter = 0
local tag = nil

wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
if mode == "patch" or mode == "hot" then
  wrk.headers["If-Match"] = "*"
end

request = function()
  if tag == nil then
    math.randomseed(os.time() + math.floor(os.clock() * 1000000))
    tag = tostring(math.random(1, 1000000000))
  end
  local n = math.random(0, users - 1)
  if mode == "get" then
    return wrk.format("GET", base .. "/users/u" .. n .. version)
  elseif mode == "list" then
    local filter = "startswith(name,%27u" .. (n % 10) .. "%27)"
    return wrk.format("GET", base .. "/users" .. version .. "&$top=100&$filter=" .. filter)
  elseif mode == "lookup" then
    local filter = "email%20eq%20%27u" .. n .. "%40example.com%27"
    return wrk.format("GET", base .. "/users" .. version .. "&$filter=" .. filter)
  elseif mode == "first" then
    return wrk.format("GET", base .. "/users" .. version .. "&$top=100")
  elseif mode == "patch" or mode == "hot" then
    if mode == "hot" then n = 0 end
    counter = counter + 1
    local body = '{"properties":{"note":"note ' .. counter .. '"}}'
    return wrk.format("PATCH", base .. "/users/u" .. n .. version, nil, body)
  else
    counter = counter + 1
    local id = "new" .. tag .. "-" .. counter
    local extra = ""
    if mode == "create-password" then extra = ',"password":"' .. password .. '"' end
    local body = '{"properties":{"email":"' .. id .. '@example.com","firstName":"New",'
      .. '"lastName":"User"' .. extra .. '}}'
    return wrk.format("PUT", base .. "/users/" .. id .. version, nil, body)
  end
end
