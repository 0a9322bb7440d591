-- wrk script for bench/run.sh: counts responses by status class, because wrk's own summary
-- lumps every status together (it only counts "Non-2xx or 3xx responses").
--
-- Each wrk thread counts in its own Lua state:
--   sent    requests handed to the socket (request() is called once per request)
--   ok      2xx responses
--   other   non-2xx responses, and per status code in `codes`
-- done() runs in the main state after the run, sums the threads' counters and prints one
-- machine-readable line that run.sh parses:
--   BENCH requests=.. duration_us=.. sent=.. ok=.. non2xx=.. p50_us=.. p99_us=.. err_connect=..
--         err_read=.. err_write=.. err_timeout=..
-- followed by one "BENCH_STATUS <code> <count>" line per non-2xx status seen.
--
-- sent - (ok + non2xx) is the number of requests wrk wrote but stopped waiting for when the
-- duration ran out (at most one per connection): the server may still have handled them.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

local req

function init(args)
  -- wrk calls request() once on the first thread to check the request before the run starts
  -- (script_verify_request): that call sends nothing, so it is not counted.
  sent = (index == 1) and -1 or 0
  ok = 0
  other = 0
  codes = {}
  -- Built once per thread (method, path, Host and the -H headers): request() stays cheap.
  req = wrk.format()
end

function request()
  sent = sent + 1
  return req
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    codes[status] = (codes[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local sent_all, ok_all, other_all, codes_all = 0, 0, 0, {}
  for _, thread in ipairs(threads) do
    sent_all = sent_all + thread:get("sent")
    ok_all = ok_all + thread:get("ok")
    other_all = other_all + thread:get("other")
    for code, n in pairs(thread:get("codes")) do
      codes_all[code] = (codes_all[code] or 0) + n
    end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d sent=%d ok=%d non2xx=%d p50_us=%d p99_us=%d"
      .. " err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    summary.requests, summary.duration, sent_all, ok_all, other_all,
    latency:percentile(50.0), latency:percentile(99.0),
    e.connect, e.read, e.write, e.timeout))
  for code, n in pairs(codes_all) do
    io.write(string.format("BENCH_STATUS %d %d\n", code, n))
  end
end
