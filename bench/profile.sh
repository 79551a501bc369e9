#!/usr/bin/env bash
# `make profile`: a V8 CPU profile of one Switchyard path under load, and its hottest functions, so work on
# speed starts from data. The bundle runs with --cpu-prof alone on core 1 while wrk and the bench's mock
# upstream load it from core 0 (as in `make bench`); on SIGINT it drains and exits, and V8 writes the profile.
#   PROFILE_MODE      stream (default), plain, or translated (OpenAI client, Anthropic-format upstream, streamed)
#   PROFILE_DURATION  seconds under load (10)
#   PROFILE_TOP       functions listed (30)
# Output: bench/.work/profile/<mode>.cpuprofile (open it in Chrome DevTools or speedscope) and the report.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
WORK=bench/.work
OUT="$WORK/profile"
MODE="${PROFILE_MODE:-stream}"
DURATION="${PROFILE_DURATION:-10}"
TOP="${PROFILE_TOP:-30}"
LOAD_CORE=0
GATEWAY_CORE=1
(($(nproc) < 2)) && GATEWAY_CORE=0

case "$MODE" in
  stream | plain) config=bench/routes.yaml env=bench wrk_mode=$MODE ;;
  translated) config=bench/translated.routes.yaml env=bench-translated wrk_mode=stream ;;
  *) echo "PROFILE_MODE must be stream, plain or translated, not '$MODE'" >&2; exit 2 ;;
esac
command -v wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }

mkdir -p "$OUT" "$WORK/profile-run"
rm -rf "$OUT"/*.cpuprofile.tmp "$WORK/profile-run"/*
node bin/switchyard.mjs build "$config" --env "$env" --out . >"$WORK/profile-build.log" 2>&1 || { echo "build failed: see $WORK/profile-build.log" >&2; exit 1; }

read -r MOCK_PORT GATEWAY_PORT <<<"$(node -e '
  const net = require("node:net");
  const servers = [net.createServer(), net.createServer()];
  Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });')"

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
taskset -c "$LOAD_CORE" node bench/mock-upstream.mjs --port "$MOCK_PORT" >"$WORK/profile-mock.log" 2>&1 &
PIDS+=($!)
# Its own working directory: the request log and store of this run stay out of everything else's.
(cd "$WORK/profile-run" && exec taskset -c "$GATEWAY_CORE" env BENCH_UPSTREAM_URL="http://127.0.0.1:$MOCK_PORT/v1" \
  BENCH_UPSTREAM_ORIGIN="http://127.0.0.1:$MOCK_PORT" BENCH_KEY=bench-key SWITCHYARD_STORE=sqlite:store.db \
  node --cpu-prof --cpu-prof-dir=. --cpu-prof-name=gateway.cpuprofile "$OLDPWD/dist/$env/server.mjs" --port "$GATEWAY_PORT" --host 127.0.0.1) \
  >"$WORK/profile-gateway.log" 2>&1 &
gateway=$!
PIDS+=($gateway)
for ((i = 0; i < 200; i++)); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$GATEWAY_PORT/health" && break; sleep 0.1; done

url="http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions"
taskset -c "$LOAD_CORE" wrk -t1 -c32 -d2s -s bench/post.lua -H "Authorization: Bearer client-key" "$url" -- "$wrk_mode" >/dev/null
result=$(taskset -c "$LOAD_CORE" wrk -t1 -c32 -d"${DURATION}s" -s bench/post.lua -H "Authorization: Bearer client-key" "$url" -- "$wrk_mode" | grep '^BENCH_RESULT') || true
kill -INT "$gateway"
wait "$gateway" || true
[[ -f $WORK/profile-run/gateway.cpuprofile ]] || { echo "the gateway wrote no profile: $(tail -3 "$WORK/profile-gateway.log")" >&2; exit 1; }
mv "$WORK/profile-run/gateway.cpuprofile" "$OUT/$MODE.cpuprofile"

requests=$(grep -o 'requests=[0-9]*' <<<"$result" | cut -d= -f2)
echo "profile of $MODE: $(grep -o 'rps=[0-9.]*' <<<"$result"), $requests requests in ${DURATION}s (warm-up not profiled separately: 2 s of it is in the profile)"
echo "written: $OUT/$MODE.cpuprofile"
node bench/profile-report.mjs "$OUT/$MODE.cpuprofile" "$TOP" "$requests"
