# syntax=docker/dockerfile:1
# Switchyard's image: the build stage compiles one routes.yaml for one environment into dist/<env>/server.mjs,
# the runtime stage keeps that bundle and the two native modules it loads, and nothing else (no generator,
# no TypeScript, no routes.yaml: the bundle runs on its own).
#
#   docker build -t switchyard .                                             # routes.yaml, env prod
#   docker build -t switchyard --build-arg ROUTES=deploy/routes.yaml .      # the fleet's config (docs/deploying.md)
#
# test/deploy/dockerfile.test.ts reads this file: it builds the context .dockerignore lets through, copies
# what the runtime stage copies and runs its CMD and HEALTHCHECK. Keep each COPY on one line.

ARG ROUTES=routes.yaml
ARG SWITCHYARD_ENV=prod

# Node 20 in both stages: the pinned uWebSockets.js build ships binaries for Node's ABI 115 (Node 20) and
# older only. Debian (glibc), not Alpine: those binaries and better-sqlite3's prebuilt one need glibc.
FROM node:20-bookworm AS build
ARG ROUTES
ARG SWITCHYARD_ENV
WORKDIR /app
# Dependencies first, so a config or code change reuses this layer. Install scripts run: better-sqlite3
# fetches (or compiles) its native module here.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN make build ENV=${SWITCHYARD_ENV} CONFIG=${ROUTES}

FROM node:20-bookworm-slim AS runtime
ARG SWITCHYARD_ENV
# Inside a container the gateway listens on every interface (so client keys are required, see README) on
# one port; keys and URLs come from the environment at start (docker run -e, compose, a Kubernetes Secret).
ENV NODE_ENV=production \
    SWITCHYARD_HOST=0.0.0.0 \
    SWITCHYARD_PORT=8080 \
    SWITCHYARD_LOG_FORMAT=json
# Owned by root and read-only to the user the gateway runs as.
COPY --from=build /app/dist/${SWITCHYARD_ENV}/server.mjs /app/server.mjs
# uWebSockets.js: its loader and the native server for Linux (x64, arm64 and arm, so one Dockerfile serves
# every platform). Not its Node.js fallback (dist/): without a native binary the gateway must fail to start.
COPY --from=build /app/node_modules/uWebSockets.js/package.json /app/node_modules/uWebSockets.js/package.json
COPY --from=build /app/node_modules/uWebSockets.js/src/uws.js /app/node_modules/uWebSockets.js/src/uws.js
COPY --from=build /app/node_modules/uWebSockets.js/binaries/uws_linux_*_115.node /app/node_modules/uWebSockets.js/binaries/
# better-sqlite3 (the default SQLite store and log sink; the bundle imports it even with PostgreSQL) and
# the two small packages it finds its native module with.
COPY --from=build /app/node_modules/better-sqlite3/package.json /app/node_modules/better-sqlite3/package.json
COPY --from=build /app/node_modules/better-sqlite3/lib /app/node_modules/better-sqlite3/lib
COPY --from=build /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node
COPY --from=build /app/node_modules/bindings/package.json /app/node_modules/bindings/bindings.js /app/node_modules/bindings/
COPY --from=build /app/node_modules/file-uri-to-path/package.json /app/node_modules/file-uri-to-path/index.js /app/node_modules/file-uri-to-path/
# The base image's unprivileged user (uid 1000). Its home is the working directory, where the gateway
# writes what it keeps on disk by default: data/switchyard.db (SQLite store) and logs/ (JSONL request
# log). Mount a volume at /home/node/data and /home/node/logs to keep them, or use PostgreSQL.
USER node
WORKDIR /home/node
EXPOSE 8080
# SIGTERM drains in-flight requests for up to server.shutdown_timeout_ms, then flushes the request log:
# give `docker stop` / compose a grace period longer than that (docker stop -t, stop_grace_period).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SWITCHYARD_PORT || 8080) + '/health', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "/app/server.mjs"]
