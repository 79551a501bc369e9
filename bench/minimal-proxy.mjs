// The reference floor for a Node proxy: uWebSockets.js in front, one undici Pool (keep-alive) behind. It reads
// the request body, forwards it with the client's Content-Type and Authorization, and relays status,
// Content-Type and body. Nothing else: no routing, parsing, logging or fallback. A body with a Content-Length
// is buffered and sent in one write; anything else (SSE) is relayed as it arrives, one client write per
// upstream socket read, with backpressure.
// Usage: node bench/minimal-proxy.mjs --port N --upstream http://127.0.0.1:M [--host 127.0.0.1] [--connections 1024]
import { STATUS_CODES } from "node:http";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import uWS from "uWebSockets.js";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    upstream: { type: "string" },
    // As many upstream connections as the bench's largest client concurrency, like the Switchyard bench
    // configs' max_connections: at 1000 streams a smaller pool would queue requests, not relay them.
    connections: { type: "string", default: "1024" },
  },
});
const port = Number(values.port);
const connections = Number(values.connections);
if (!Number.isInteger(port) || port <= 0 || !values.upstream || !Number.isInteger(connections) || connections <= 0) {
  throw new Error("minimal-proxy: --port N and --upstream URL are required; --connections must be a positive count");
}

const pool = new Pool(new URL(values.upstream).origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });

const statusLines = new Map();
const statusLine = (code) => {
  let line = statusLines.get(code);
  if (line === undefined) statusLines.set(code, (line = `${code} ${STATUS_CODES[code] ?? "Unknown"}`));
  return line;
};

function forward(res, state, path, headers, body) {
  let status = 0;
  let contentType;
  let buffered = null; // Buffer[] when the upstream sent a Content-Length
  let headPending = false; // streamed status and Content-Type not yet written to the client
  let pending = []; // streamed chunks not yet written to the client
  const writePending = () => {
    if (headPending) {
      res.writeStatus(statusLine(status));
      if (contentType) res.writeHeader("Content-Type", contentType);
      headPending = false;
    }
    let ok = true;
    for (const chunk of pending) ok = res.write(chunk);
    pending = [];
    return ok;
  };
  // undici hands over the head and every HTTP chunk of one socket read synchronously: they are queued and
  // written together once that read is parsed, so one upstream read costs one client write, not one per event.
  const flush = (controller) => {
    if (state.aborted || (!headPending && pending.length === 0)) return; // onResponseEnd wrote them
    let ok = true;
    res.cork(() => {
      ok = writePending();
    });
    if (!ok) {
      controller.pause();
      res.onWritable(() => {
        controller.resume();
        return true;
      });
    }
  };
  pool.dispatch(
    { path, method: "POST", headers, body },
    {
      onRequestStart(controller) {
        if (state.aborted) controller.abort(new Error("client aborted"));
        else state.controller = controller;
      },
      onResponseStart(controller, statusCode, responseHeaders) {
        status = statusCode;
        contentType = responseHeaders["content-type"];
        if (responseHeaders["content-length"] !== undefined) {
          buffered = [];
          return;
        }
        headPending = true;
        queueMicrotask(() => flush(controller));
      },
      onResponseData(controller, chunk) {
        if (state.aborted) return;
        if (buffered) {
          buffered.push(chunk);
          return;
        }
        pending.push(chunk);
        if (pending.length === 1 && !headPending) queueMicrotask(() => flush(controller));
      },
      onResponseEnd() {
        if (state.aborted) return;
        res.cork(() => {
          if (buffered) {
            res.writeStatus(statusLine(status));
            if (contentType) res.writeHeader("Content-Type", contentType);
            res.end(buffered.length === 1 ? buffered[0] : Buffer.concat(buffered));
          } else {
            writePending();
            res.end();
          }
        });
      },
      onResponseError(controller, error) {
        if (state.aborted) return;
        const headSent = status !== 0 && !headPending && !buffered;
        headPending = false;
        pending = [];
        if (headSent) res.close();
        else res.cork(() => res.writeStatus("502 Bad Gateway").end(`upstream error: ${error.message}`));
      },
    },
  );
}

uWS
  .App()
  .post("/*", (res, req) => {
    // uWS's req lives only for this callback: read everything needed now.
    const path = req.getUrl();
    const headers = { "content-type": req.getHeader("content-type") || "application/json" };
    const authorization = req.getHeader("authorization");
    if (authorization) headers.authorization = authorization;
    const state = { aborted: false, controller: null };
    res.onAborted(() => {
      state.aborted = true;
      state.controller?.abort(new Error("client aborted"));
    });
    const parts = [];
    res.onData((ab, isLast) => {
      parts.push(Buffer.concat([Buffer.from(ab)])); // copy: uWS reuses the ArrayBuffer after this callback
      if (isLast && !state.aborted) forward(res, state, path, headers, parts.length === 1 ? parts[0] : Buffer.concat(parts));
    });
  })
  .any("/*", (res) => {
    res.writeStatus("404 Not Found").end("not found");
  })
  .listen(values.host, port, (listenSocket) => {
    if (!listenSocket) {
      console.error(`minimal-proxy: cannot listen on ${values.host}:${port}`);
      process.exit(1);
    }
    console.log(`minimal-proxy listening on http://${values.host}:${port} -> ${values.upstream}`);
  });
