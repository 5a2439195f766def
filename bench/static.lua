-- One fixed request, built once: ceiling, list, deep, filter, token.
-- Arguments: method=GET path=/… [auth=…] [content_type=…] [body=…]
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local prepared

function init(args)
   local options = bench_args(args)
   prepared = wrk.format(options.method or "GET", options.path, bench_headers(options), options.body)
end

function request()
   return prepared
end
