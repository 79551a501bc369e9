-- wrk script: POST an OpenAI chat completion request, streamed or not, and print one machine-readable line.
-- Usage: wrk ... -s bench/post.lua URL -- stream|stream-usage|plain (stream-usage: with stream_options.include_usage)
-- Extra headers (Authorization, Portkey's x-portkey-*) come from wrk's -H flags.

local mode = "plain"

function init(args)
  mode = args[1] or "plain"
  local stream = (mode == "stream" or mode == "stream-usage") and "true" or "false"
  local usage = (mode == "stream-usage") and ',"stream_options":{"include_usage":true}' or ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"model":"bench-model","messages":[{"role":"system","content":"You are a terse assistant."},'
    .. '{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32,"stream":' .. stream .. usage .. '}'
end

-- wrk reports latency in microseconds. One line, key=value, parsed by bench/run.sh.
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d "
      .. "non2xx=%d connect_err=%d read_err=%d write_err=%d timeouts=%d bytes=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect, errors.read, errors.write, errors.timeout, summary.bytes))
end
