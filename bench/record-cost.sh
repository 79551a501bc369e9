#!/usr/bin/env bash
# What a route's `record:` costs per request in CPU: `bash bench/record-cost.sh [BASE_BUNDLE]`.
# Builds bench/routes.yaml with one more route, bench-rec, that has `record:` (into bench/.work/record-cost/),
# serves it against bench/mock-upstream.mjs, and measures the gateway process's CPU time (/proc, user + system)
# per plain request with wrk: on bench-model (no record:, the cost every other route pays: none) and on
# bench-rec (each request starts a conversation, so each is a new file: the worst case). BASE_BUNDLE, e.g.
# main's dist/bench/server.mjs, adds a row for comparison. Rounds alternate, so a busy machine spreads its
# noise over every row. Knobs: ROUNDS (3), DURATION seconds (5), CONNECTIONS (8).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=bench/.work/record-cost
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-8}"
HZ=$(getconf CLK_TCK)
MOCK_PORT=19401 GW_PORT=19402 BASE_PORT=19403
mkdir -p "$WORK"
rm -rf "$WORK/recordings"
sed "s|  - model: bench-model|  - model: bench-rec\n    record: { dir: $PWD/$WORK/recordings }\n    targets:\n      - provider: mock\n        price: { input: 2.5, output: 10 }\n  - model: bench-model|" bench/routes.yaml >"$WORK/routes.yaml"
sed 's/"model":"bench-model"/"model":"bench-rec"/' bench/post.lua >"$WORK/post-rec.lua"
node bin/switchyard.mjs build "$WORK/routes.yaml" --env bench --out "$WORK" >"$WORK/build.log" 2>&1

PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
node bench/mock-upstream.mjs --port "$MOCK_PORT" >/dev/null 2>&1 </dev/null &
PIDS+=($!)
serve() { # bundle port
  BENCH_UPSTREAM_URL="http://127.0.0.1:$MOCK_PORT/v1" node "$1" --host 127.0.0.1 --port "$2" >"$WORK/gateway-$2.log" 2>&1 </dev/null &
  PIDS+=($!)
  until curl -sf "http://127.0.0.1:$2/health" >/dev/null; do sleep 0.5; done
}
serve "$WORK/dist/bench/server.mjs" "$GW_PORT"
GW_PID=${PIDS[-1]}
if [[ -n ${1:-} ]]; then
  serve "$1" "$BASE_PORT"
  BASE_PID=${PIDS[-1]}
fi

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
row() { # name pid port script
  local before after out requests
  wrk -t1 -c"$CONNECTIONS" -d1s -s "$4" "http://127.0.0.1:$3/v1/chat/completions" -- plain >/dev/null || true
  before=$(ticks "$2")
  out=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$4" "http://127.0.0.1:$3/v1/chat/completions" -- plain | grep BENCH_RESULT)
  after=$(ticks "$2")
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$out")
  awk -v n="$1" -v t=$((after - before)) -v hz="$HZ" -v r="$requests" -v e="$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$out")" \
    'BEGIN { printf "%-14s requests=%-7d non2xx=%-3d cpu_us_per_request=%.1f\n", n, r, e, t * 1e6 / hz / r }'
}
for _ in $(seq 1 "$ROUNDS"); do
  [[ -n ${BASE_PID:-} ]] && row "base" "$BASE_PID" "$BASE_PORT" bench/post.lua
  row "record off" "$GW_PID" "$GW_PORT" bench/post.lua
  row "record on" "$GW_PID" "$GW_PORT" "$WORK/post-rec.lua"
done
echo "recordings written: $(ls "$WORK/recordings" 2>/dev/null | wc -l)"
