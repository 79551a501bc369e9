#!/usr/bin/env bash
# `make bench`: one side-by-side run at fixed concurrency, printing req/s, p50 and p99 for
#   direct      wrk -> mock upstream
#   minimal     wrk -> bench/minimal-proxy.mjs (uWS + undici, the floor for a Node proxy) -> mock
#   switchyard  wrk -> dist/bench/server.mjs built from bench/routes.yaml -> mock (request log with bodies)
#   sy-nobody   the same built with --env bench-lean: request log without bodies (usage only)
#   sy-metoff   the switchyard row built with --env bench-nometrics: metrics: { enabled: false }
#   sy-sqlite   the switchyard row (metrics on) with the request log in a SQLite sink (--env bench-sqlite)
#   sy-transl   Switchyard translating OpenAI requests for an Anthropic-format upstream (bench/translated.routes.yaml)
#   sy-xform    the switchyard row's route plus request header and body transforms (bench/transforms.routes.yaml)
#   sy-auth     the switchyard row with client keys required (--env bench-auth; a key from `switchyard keys create`)
#   sy-budget   the same with a budget on the key: every request reserves and settles in the SQLite store
#   sy-limits   the switchyard row with rate limits (per key requests + tokens, per IP) in this process
#   sy-redis    the same limits shared through a redis-server this script starts (on core 0, with wrk)
#   portkey     wrk -> @portkey-ai/gateway (pinned in bench/portkey/) -> mock
# each for a plain and a streamed OpenAI chat completion. wrk and the mock share core 0; the gateway under
# test runs alone on core 1. Everything listens on and talks to 127.0.0.1 only.
# Knobs (environment): BENCH_CONNECTIONS (32), BENCH_DURATION seconds (8), BENCH_WARMUP seconds (2).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=bench/.work
RESULTS="$WORK/results.tsv"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
DURATION="${BENCH_DURATION:-8}"
WARMUP="${BENCH_WARMUP:-2}"
LOAD_CORE=0
GATEWAY_CORE=1
KEY=bench-key
CLOCK_TICKS=$(getconf CLK_TCK)
MEASURED_PID=
PORTKEY_DIR="$WORK/portkey"
PORTKEY_ENTRY="$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"

mkdir -p "$WORK"
: >"$RESULTS"

# ---- processes: every one this script starts is in PIDS and is stopped on exit -------------------------
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CORE CMD...: run CMD pinned to CORE, output to $WORK/NAME.log; sets STARTED_PID.
start() {
  local name=$1 core=$2
  shift 2
  taskset -c "$core" "$@" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

untrack() {
  local kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  untrack "$1"
}

# load OUTFILE WRK_ARGS...: wrk pinned to the load core. Run in the background and waited for, so a
# SIGINT/SIGTERM to this script is handled at once (and wrk stopped) instead of after wrk finishes.
load() {
  local out=$1 pid rc=0
  shift
  taskset -c "$LOAD_CORE" wrk "$@" >"$out" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || rc=$?
  untrack "$pid"
  return "$rc"
}

# wait_listening PID PORT: until something answers HTTP on 127.0.0.1:PORT (20 s), or PID dies.
wait_listening() {
  local pid=$1 port=$2 i
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return 0
    sleep 0.1
  done
  return 1
}

# free_ports N: N distinct ports the kernel just handed out on 127.0.0.1.
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
  ' "$1"
}

log_tail() { tail -n "${2:-3}" "$1" 2>/dev/null | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | tr '\n\t' '  ' | cut -c1-300; }

# ---- requests ----------------------------------------------------------------------------------------------
PLAIN_BODY='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32}'
STREAM_BODY='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32,"stream":true}'

# check_target URL HEADER...: one plain and one streamed request must come back whole before we measure.
# Prints what was wrong and returns 1 otherwise.
check_target() {
  local url=$1 args=() h plain stream
  shift
  for h in "$@"; do args+=(-H "$h"); done
  plain=$(curl -s --max-time 10 -w '\n%{http_code}' "${args[@]}" -H 'Content-Type: application/json' -d "$PLAIN_BODY" "$url") || true
  if [[ $plain != *'"object":"chat.completion"'* || ${plain##*$'\n'} != 200 ]]; then
    echo "plain request failed: HTTP ${plain##*$'\n'}: $(head -c 200 <<<"${plain%$'\n'*}")"
    return 1
  fi
  stream=$(curl -s -N --max-time 10 -w '\n%{http_code}' "${args[@]}" -H 'Content-Type: application/json' -d "$STREAM_BODY" "$url") || true
  if [[ $(grep -c '^data: {' <<<"$stream") != 10 || $stream != *'data: [DONE]'* || ${stream##*$'\n'} != 200 ]]; then
    echo "streamed request failed: HTTP ${stream##*$'\n'}: $(head -c 200 <<<"${stream%$'\n'*}")"
    return 1
  fi
}

# cpu_ticks: "busy0 total0 busy1 total1" for the load core and the gateway core, from /proc/stat.
cpu_ticks() {
  awk -v a="cpu$LOAD_CORE" -v b="cpu$GATEWAY_CORE" '
    $1 == a || $1 == b { busy = $2 + $3 + $4 + $7 + $8 + $9; t[$1] = busy " " (busy + $5 + $6) }
    END { print t[a], t[b] }' /proc/stat
}

# process_ticks PID: the CPU time (user + system, all threads, in clock ticks) process PID has used so far.
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# measure TARGET URL HEADER...: warm-up, then the measured wrk run, for both modes; appends rows to RESULTS.
# MEASURED_PID (the gateway under test; empty for direct) gives the CPU it spent per request: unlike req/s,
# that figure hardly moves when something else on the machine takes cycles, so rows compare across runs too.
measure() {
  local target=$1 url=$2 mode args=() h out before after line cpu_before cpu_after
  shift 2
  for h in "$@"; do args+=(-H "$h"); done
  for mode in plain stream; do
    out="$WORK/wrk-$target-$mode.txt"
    load "$out" -t1 -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 5s -s bench/post.lua "${args[@]}" "$url" -- "$mode"
    before=$(cpu_ticks)
    cpu_before=$([[ -n $MEASURED_PID ]] && process_ticks "$MEASURED_PID" || echo 0)
    load "$out" -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s bench/post.lua "${args[@]}" "$url" -- "$mode"
    cpu_after=$([[ -n $MEASURED_PID ]] && process_ticks "$MEASURED_PID" || echo 0)
    after=$(cpu_ticks)
    line=$(grep '^BENCH_RESULT ' "$out") || { echo "wrk printed no result for $target/$mode:" >&2; cat "$out" >&2; exit 1; }
    awk -v target="$target" -v mode="$mode" -v before="$before" -v after="$after" -v ticks="$((cpu_after - cpu_before))" -v hz="$CLOCK_TICKS" '
      {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
        split(before, b, " "); split(after, a, " ")
        load = (a[2] - b[2]) > 0 ? 100 * (a[1] - b[1]) / (a[2] - b[2]) : 0
        gw = (a[4] - b[4]) > 0 ? 100 * (a[3] - b[3]) / (a[4] - b[4]) : 0
        errors = r["non2xx"] + r["connect_err"] + r["read_err"] + r["write_err"] + r["timeouts"]
        cpu_us = r["requests"] > 0 ? ticks * 1000000 / hz / r["requests"] : 0
        printf "row\t%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\n", target, mode, r["rps"], r["p50_us"], r["p99_us"], errors, load, gw, cpu_us
      }' <<<"$line" >>"$RESULTS"
    printf '  %-10s %-6s %s\n' "$target" "$mode" "$(cut -d' ' -f2- <<<"$line")" >&2
  done
}

note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; echo "  $1: $2" >&2; }

# ---- prerequisites -----------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update >/dev/null && apt-get install -y wrk >/dev/null
fi
for tool in taskset curl node; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool" >&2; exit 1; }
done
if (($(nproc) < 2)); then
  echo "warning: only one CPU: load generator and gateway share core 0" >&2
  GATEWAY_CORE=0
fi

# Portkey, pinned (package.json + lockfile in bench/portkey/), installed only when the installed copy differs.
ensure_portkey() {
  if cmp -s bench/portkey/package-lock.json "$PORTKEY_DIR/package-lock.json" && [[ -f $PORTKEY_ENTRY ]]; then return 0; fi
  echo "installing Portkey into $PORTKEY_DIR (npm ci, pinned by bench/portkey/package-lock.json)" >&2
  rm -rf "$PORTKEY_DIR" && mkdir -p "$PORTKEY_DIR"
  cp bench/portkey/package.json bench/portkey/package-lock.json "$PORTKEY_DIR/"
  (cd "$PORTKEY_DIR" && npm ci --ignore-scripts --no-audit --no-fund) >"$WORK/portkey-install.log" 2>&1
}

# Other work on the machine skews every row: say so up front rather than print quietly wrong numbers.
idle_before=$(cpu_ticks)
sleep 1
idle_after=$(cpu_ticks)
busy=$(awk -v b="$idle_before" -v a="$idle_after" 'BEGIN {
  split(b, x, " "); split(a, y, " ")
  printf "%.0f %.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]), 100 * (y[3] - x[3]) / (y[4] - x[4]) }')
read -r busy_load busy_gateway <<<"$busy"
if ((busy_load > 10 || busy_gateway > 10)); then
  echo "warning: machine not idle before the bench (core $LOAD_CORE ${busy_load}% busy, core $GATEWAY_CORE ${busy_gateway}% busy): numbers will be skewed" >&2
  note machine "not idle before the bench: core $LOAD_CORE ${busy_load}% and core $GATEWAY_CORE ${busy_gateway}% busy"
fi

echo "bench: wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per row; wrk+mock on core $LOAD_CORE, gateway on core $GATEWAY_CORE" >&2
read -r MOCK_PORT MINIMAL_PORT SWITCHYARD_PORT SWITCHYARD_LEAN_PORT SWITCHYARD_TRANSLATED_PORT PORTKEY_PORT SWITCHYARD_XFORM_PORT SWITCHYARD_AUTH_PORT SWITCHYARD_BUDGET_PORT SWITCHYARD_NOMETRICS_PORT SWITCHYARD_SQLITE_PORT SWITCHYARD_LIMITS_PORT SWITCHYARD_REDIS_PORT REDIS_PORT <<<"$(free_ports 14)"
MOCK_URL="http://127.0.0.1:$MOCK_PORT"
CHAT=/v1/chat/completions

# ---- mock upstream (stays up for the whole run) ------------------------------------------------------------
start mock "$LOAD_CORE" node bench/mock-upstream.mjs --port "$MOCK_PORT"
MOCK_PID=$STARTED_PID
wait_listening "$MOCK_PID" "$MOCK_PORT" || { echo "mock upstream did not start: $(log_tail "$WORK/mock.log")" >&2; exit 1; }

# ---- (a) direct ----------------------------------------------------------------------------------------------
problem=$(check_target "$MOCK_URL$CHAT" "Authorization: Bearer $KEY") || { echo "mock upstream: $problem" >&2; exit 1; }
measure direct "$MOCK_URL$CHAT" "Authorization: Bearer $KEY"

# ---- (b) minimal uWS + undici proxy --------------------------------------------------------------------------
start minimal "$GATEWAY_CORE" node bench/minimal-proxy.mjs --port "$MINIMAL_PORT" --upstream "$MOCK_URL"
pid=$STARTED_PID
wait_listening "$pid" "$MINIMAL_PORT" || { echo "minimal proxy did not start: $(log_tail "$WORK/minimal.log")" >&2; exit 1; }
problem=$(check_target "http://127.0.0.1:$MINIMAL_PORT$CHAT" "Authorization: Bearer $KEY") || { echo "minimal proxy: $problem" >&2; exit 1; }
MEASURED_PID=$pid
measure minimal "http://127.0.0.1:$MINIMAL_PORT$CHAT" "Authorization: Bearer $KEY"
stop "$pid"

# ---- (c) Switchyard: as configured by default (full bodies in the request log), and without bodies ----------
# bench_switchyard TARGET CONFIG ENV PORT [KEY_ARGS...]: build CONFIG for ENV, serve dist/ENV/server.mjs with
# its own fresh SQLite store, measure. With KEY_ARGS, a key is created first (`switchyard keys create
# KEY_ARGS`) and every request presents it; without, requests present a key the store does not know.
bench_switchyard() {
  local target=$1 config=$2 env=$3 port=$4 pid problem client_key=client-key store
  shift 4
  if ! node bin/switchyard.mjs build "$config" --env "$env" --out . >"$WORK/$target-build.log" 2>&1; then
    note "$target" "not built (build failed, see $WORK/$target-build.log: $(log_tail "$WORK/$target-build.log"))"
    return
  fi
  rm -rf "$WORK/logs" "$WORK/$target.db"*
  store="sqlite:$WORK/$target.db"
  if (($# > 0)); then
    client_key=$(node bin/switchyard.mjs keys create --store "$store" --json "$@" | node -e 'process.stdin.on("data", (d) => process.stdout.write(JSON.parse(d).key))') || {
      note "$target" "could not create its key"
      return
    }
  fi
  start "$target" "$GATEWAY_CORE" env BENCH_UPSTREAM_URL="$MOCK_URL/v1" BENCH_UPSTREAM_ORIGIN="$MOCK_URL" BENCH_KEY="$KEY" SWITCHYARD_STORE="$store" \
    node "dist/$env/server.mjs" --port "$port" --host 127.0.0.1
  pid=$STARTED_PID
  if ! wait_listening "$pid" "$port"; then
    note "$target" "did not start ($(log_tail "$WORK/$target.log"))"
  elif ! problem=$(check_target "http://127.0.0.1:$port$CHAT" "Authorization: Bearer $client_key"); then
    note "$target" "failed its check ($problem)"
  else
    MEASURED_PID=$pid
    measure "$target" "http://127.0.0.1:$port$CHAT" "Authorization: Bearer $client_key"
  fi
  stop "$pid"
}
bench_switchyard switchyard bench/routes.yaml bench "$SWITCHYARD_PORT"
bench_switchyard sy-nobody bench/routes.yaml bench-lean "$SWITCHYARD_LEAN_PORT"
bench_switchyard sy-metoff bench/routes.yaml bench-nometrics "$SWITCHYARD_NOMETRICS_PORT"
rm -f bench/.work/requests.db*
bench_switchyard sy-sqlite bench/routes.yaml bench-sqlite "$SWITCHYARD_SQLITE_PORT"
bench_switchyard sy-transl bench/translated.routes.yaml bench-translated "$SWITCHYARD_TRANSLATED_PORT"
bench_switchyard sy-xform bench/transforms.routes.yaml bench-xform "$SWITCHYARD_XFORM_PORT"
bench_switchyard sy-auth bench/routes.yaml bench-auth "$SWITCHYARD_AUTH_PORT" --name bench
bench_switchyard sy-budget bench/routes.yaml bench-auth "$SWITCHYARD_BUDGET_PORT" --name bench --budget-usd 1000000 --budget-period day
bench_switchyard sy-limits bench/routes.yaml bench-limits "$SWITCHYARD_LIMITS_PORT"

# Rate limits in Redis: a throwaway redis-server (no persistence) on core 0 beside wrk and the mock, as the
# tests start one; its EVALSHA count over the row, per request, says how many round trips the limits cost.
if command -v redis-server >/dev/null; then
  start redis "$LOAD_CORE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
  redis_pid=$STARTED_PID
  for ((i = 0; i < 100; i++)); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
  export BENCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  bench_switchyard sy-redis bench/routes.yaml bench-redis "$SWITCHYARD_REDIS_PORT"
  evalsha=$(redis-cli -p "$REDIS_PORT" info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\).*/\1/p')
  note sy-redis "${evalsha:-0} EVALSHA calls over the row (warm-ups and checks included)"
  stop "$redis_pid"
else
  note sy-redis "not measured: redis-server is not installed (apt-get install redis-server)"
fi

# ---- (d) Portkey ---------------------------------------------------------------------------------------------
portkey_headers=("x-portkey-provider: openai" "x-portkey-custom-host: $MOCK_URL/v1" "Authorization: Bearer $KEY")
if ! ensure_portkey; then
  note portkey "unavailable (npm ci failed: $(log_tail "$WORK/portkey-install.log"))"
else
  # NODE_ENV=production and --headless: no log-viewer UI, as deployed. loopback.mjs keeps it on 127.0.0.1.
  start portkey "$GATEWAY_CORE" env NODE_ENV=production \
    node --import ./bench/portkey/loopback.mjs "$PORTKEY_ENTRY" --port="$PORTKEY_PORT" --headless
  pid=$STARTED_PID
  if ! wait_listening "$pid" "$PORTKEY_PORT"; then
    note portkey "unavailable (did not start on node $(node -v): $(log_tail "$WORK/portkey.log"))"
  elif ! problem=$(check_target "http://127.0.0.1:$PORTKEY_PORT$CHAT" "${portkey_headers[@]}"); then
    note portkey "unavailable (failed its check: $problem; log: $(log_tail "$WORK/portkey.log" 2))"
  else
    MEASURED_PID=$pid
    measure portkey "http://127.0.0.1:$PORTKEY_PORT$CHAT" "${portkey_headers[@]}"
  fi
  stop "$pid"
fi

stop "$MOCK_PID"
echo >&2
node bench/report.mjs "$RESULTS"
