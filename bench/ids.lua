-- GET prefix .. id over random ids from a file, all requests built in init(): floor, get, peer.
-- Arguments: ids=/path/to/ids.txt prefix=/customers/ [auth=…]
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local prepared = {}

function init(args)
   local options = bench_args(args)
   local headers = bench_headers(options)
   for _, id in ipairs(bench_lines(options.ids)) do
      prepared[#prepared + 1] = wrk.format("GET", options.prefix .. id, headers)
   end
   math.randomseed(os.time() + tonumber(tostring(prepared):match("0x(%x+)") or "0", 16))
end

function request()
   return prepared[math.random(#prepared)]
end
