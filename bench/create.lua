-- POST /customers, each body different (name, e-mail). Arguments: auth=…
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local headers
local counter = 0
local tag

function init(args)
   local options = bench_args(args)
   options.content_type = "application/json"
   headers = bench_headers(options)
   tag = string.format("%x", math.random(0, 0xffffff) + os.time() % 0x10000)
end

function create_body(n)
   return string.format(
      '{"name":"Bench Created %s-%d","email":"created-%s-%d@bench.example",' ..
      '"legal_name":"Bench Created %s-%d LLC","street_address":"1 Market St",' ..
      '"city":"San Francisco","state":"CA","postal_code":"94105","country":"US"}',
      tag, n, tag, n, tag, n)
end

function request()
   counter = counter + 1
   return wrk.format("POST", "/customers", headers, create_body(counter))
end
