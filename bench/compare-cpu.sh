#!/usr/bin/env bash
# bench/compare-cpu.sh ROUNDS TREE...: CPU per streamed request of several checkouts' bench bundles (e.g. main
# and a branch), in interleaved rounds (the order flips each round), for the stream and translated-stream
# paths with the request log's bodies on and off; the relayed stream also with stream_options.include_usage
# (`usage` cases: the mock then ends with a usage chunk; without, the gateway estimates the cost from the text). Each TREE must have built dist/bench, dist/bench-lean,
# dist/bench-translated and dist/bench-translated-lean (bench/routes.yaml, bench/translated.routes.yaml).
# On a shared, noisy machine compare CPU per request, never req/s; the event loop's thread is given apart
# from the whole process (the request log's thread included), since moving work to that thread only shows there.
# Prints per run: round case tree requests rps non2xx total_us_per_req event_loop_thread_us_per_req
# Knobs: DURATION (8) and WARMUP (2) seconds. wrk and the mock on core 0, the gateway on core 1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-3}
shift
TREES=("$@")
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
HZ=$(getconf CLK_TCK)
W=$ROOT/bench/.work/compare-cpu
mkdir -p $W
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
MOCK_PORT=$(free_port)
taskset -c 0 node $ROOT/bench/mock-upstream.mjs --port "$MOCK_PORT" >$W/mock.log 2>&1 &
PIDS+=($!)
sleep 1
ticks() { awk '{ print $14 + $15 }' "$1"; }
# name:environment:post.lua mode. A translated stream's Anthropic upstream always reports usage.
CASES=("stream-bodies:bench:stream" "stream-nobodies:bench-lean:stream" "usage-bodies:bench:stream-usage" "usage-nobodies:bench-lean:stream-usage"
  "transl-bodies:bench-translated:stream" "transl-nobodies:bench-translated-lean:stream")
for ((r = 1; r <= ROUNDS; r++)); do
  for c in "${CASES[@]}"; do
    IFS=: read -r name env mode <<<"$c"
    order=("${TREES[@]}")
    # Alternate which tree goes first in each round.
    if ((r % 2 == 0)); then order=($(printf '%s\n' "${TREES[@]}" | tac)); fi
    for tree in "${order[@]}"; do
      port=$(free_port)
      rm -rf $W/run && mkdir -p $W/run
      (cd $W/run && exec taskset -c 1 env BENCH_UPSTREAM_URL="http://127.0.0.1:$MOCK_PORT/v1" BENCH_UPSTREAM_ORIGIN="http://127.0.0.1:$MOCK_PORT" \
        BENCH_KEY=bench-key SWITCHYARD_STORE=sqlite:store.db node "$tree/dist/$env/server.mjs" --port "$port" --host 127.0.0.1) >$W/gw.log 2>&1 &
      gw=$!
      PIDS+=($gw)
      for ((i = 0; i < 300; i++)); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && break; sleep 0.1; done
      url="http://127.0.0.1:$port/v1/chat/completions"
      taskset -c 0 wrk -t1 -c32 -d${WARMUP}s -s $ROOT/bench/post.lua -H "Authorization: Bearer client-key" "$url" -- "$mode" >/dev/null
      t0=$(ticks /proc/$gw/stat)
      m0=$(ticks /proc/$gw/task/$gw/stat)
      out=$(taskset -c 0 wrk -t1 -c32 -d${DURATION}s -s $ROOT/bench/post.lua -H "Authorization: Bearer client-key" "$url" -- "$mode" | grep '^BENCH_RESULT')
      t1=$(ticks /proc/$gw/stat)
      m1=$(ticks /proc/$gw/task/$gw/stat)
      kill -INT $gw
      wait $gw 2>/dev/null || true
      reqs=$(grep -o 'requests=[0-9]*' <<<"$out" | cut -d= -f2)
      rps=$(grep -o 'rps=[0-9.]*' <<<"$out" | cut -d= -f2)
      non2xx=$(grep -o 'non2xx=[0-9]*' <<<"$out" | cut -d= -f2)
      awk -v r=$r -v c=$name -v t="$(basename $tree)" -v n=$reqs -v rps=$rps -v e=$non2xx -v tt=$((t1 - t0)) -v mt=$((m1 - m0)) -v hz=$HZ \
        'BEGIN { printf "%d\t%s\t%s\t%d\t%s\t%d\t%.1f\t%.1f\n", r, c, t, n, rps, e, tt * 1e6 / hz / n, mt * 1e6 / hz / n }'
    done
  done
done
