-- A GET that must be refused with 401 (the key check without a key): any other answer is
-- counted and reported, so bench/api.py can tell a refusal from a failure.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
request = function()
  wrk.headers["X-Original-URI"] = "/echo/items"
  return wrk.format("GET")
end
function response(status, headers, body)
  if status ~= 401 then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write("unexpected answers: " .. total .. "\n")
end
