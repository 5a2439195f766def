-- Shared by every bench script: command-line arguments, and one JSON summary line at the end.
-- bench/wrk.py reads the line that starts with BENCH_JSON.

function bench_args(args)
   local options = {}
   for _, arg in ipairs(args) do
      local key, value = arg:match("^([%w_]+)=(.*)$")
      if key then options[key] = value end
   end
   return options
end

function bench_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if #line > 0 then lines[#lines + 1] = line end
   end
   return lines
end

function bench_headers(options)
   local headers = {}
   if options.auth then headers["Authorization"] = options.auth end
   if options.content_type then headers["Content-Type"] = options.content_type end
   return headers
end

function done(summary, latency, requests)
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, errors.connect, errors.read,
      errors.write, errors.status, errors.timeout))
end
