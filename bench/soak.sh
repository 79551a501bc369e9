#!/usr/bin/env bash
# `make soak` (not in CI): builds bench/soak.routes.yaml into bench/.work/soak/, then drives SOAK_MINUTES (10)
# of mixed load with injected upstream faults through one gateway process (bench/soak.ts) and prints RSS and
# heap slope after warm-up, fds against the baseline, requests sent against request-log lines, and outcomes
# by kind, every 30 s and at the end. Exit 1 when log lines differ from requests or fds stay above baseline.
# Knobs: SOAK_MINUTES (10), SOAK_CONCURRENCY (8), SOAK_WARMUP_S (60), SOAK_REPORT_S (30), SOAK_KEEP=1 (keep the
# gateway's folder: request log and memory samples).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=bench/.work/soak
mkdir -p "$OUT"
node bin/switchyard.mjs build bench/soak.routes.yaml --env dev --out "$OUT"
exec npx tsx bench/soak.ts "$OUT/dist/dev/server.mjs"
