-- 80% reads / 20% writes across the customer operations, on random customers.
-- Arguments: ids=/path/to/ids.txt auth=…
--   40% GET /customers/{id}           15% GET /customers?limit=100
--   15% GET /customers/{id}/users     10% GET /customers/{id}/payment-methods
--   10% POST /customers               10% PATCH /customers/{id}
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local ids
local read_headers, write_headers
local counter = 0
local tag

function init(args)
   local options = bench_args(args)
   ids = bench_lines(options.ids)
   read_headers = bench_headers(options)
   options.content_type = "application/json"
   write_headers = bench_headers(options)
   tag = string.format("%x", math.random(0, 0xffffff) + os.time() % 0x10000)
   math.randomseed(os.time() + tonumber(tostring(ids):match("0x(%x+)") or "0", 16))
end

function request()
   local draw = math.random(100)
   local id = ids[math.random(#ids)]
   if draw <= 40 then
      return wrk.format("GET", "/customers/" .. id, read_headers)
   elseif draw <= 55 then
      return wrk.format("GET", "/customers?limit=100", read_headers)
   elseif draw <= 70 then
      return wrk.format("GET", "/customers/" .. id .. "/users", read_headers)
   elseif draw <= 80 then
      return wrk.format("GET", "/customers/" .. id .. "/payment-methods", read_headers)
   end
   counter = counter + 1
   if draw <= 90 then
      local body = string.format(
         '{"name":"Bench Mixed %s-%d","email":"mixed-%s-%d@bench.example","country":"US",' ..
         '"state":"NY","postal_code":"10001","city":"New York"}', tag, counter, tag, counter)
      return wrk.format("POST", "/customers", write_headers, body)
   end
   local body = string.format('{"city":"Springfield %d","legal_name":"Patched %s-%d"}',
      counter, tag, counter)
   return wrk.format("PATCH", "/customers/" .. id, write_headers, body)
end
