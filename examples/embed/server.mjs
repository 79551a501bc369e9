// A plain node:http server of your own that mounts Switchyard under /llm/: requests there go to the gateway
// in this process (createGateway + handle), everything else is the host's. Run it from anywhere:
//   node examples/embed/server.mjs            (PORT=0 for any free port; HOST defaults to 127.0.0.1)
//   curl -s http://127.0.0.1:3000/llm/v1/chat/completions -H 'content-type: application/json' \
//     -d '{"model":"hello","messages":[{"role":"user","content":"Hi"}]}'
// Streams flow both ways as they arrive, and a client that hangs up cancels the upstream call.
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGateway } from "switchyard";

const MOUNT = "/llm";
/** Per-connection headers: the host's server manages its own connections, on both sides. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

// Builds routes.yaml next to this file (a few seconds to a minute: the same stages as `switchyard build`).
// With a bundle built beforehand, `createGateway({ bundle: "dist/prod/server.mjs" })` opens at once.
const gateway = await createGateway({ config: fileURLToPath(new URL("routes.yaml", import.meta.url)) });

/** node:http's request as a web-standard Request to the gateway, its body streamed, aborted when the client leaves. */
function toRequest(req, res) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(name) || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url.slice(MOUNT.length), `http://${req.headers.host ?? "localhost"}`), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : null,
    duplex: "half",
    signal: controller.signal,
  });
}

const server = createServer(async (req, res) => {
  if (req.url !== MOUNT && !req.url.startsWith(`${MOUNT}/`)) {
    // The host application's own routes.
    res.writeHead(200, { "content-type": "text/plain" }).end(`the host app; the LLM gateway is under ${MOUNT}/\n`);
    return;
  }
  try {
    const response = await gateway.handle(toRequest(req, res), { remoteAddress: req.socket.remoteAddress });
    const headers = [];
    for (const [name, value] of response.headers) if (!HOP_BY_HOP.has(name)) headers.push(name, value);
    res.writeHead(response.status, response.statusText, headers);
    if (response.body === null) res.end();
    else await pipeline(Readable.fromWeb(response.body), res);
  } catch (error) {
    // The client left (its abort cancelled the gateway's work), or the stream broke half-way.
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`gateway error: ${error.message}\n`);
    else res.destroy();
  }
});

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`listening on http://${host}:${server.address().port} (Switchyard under ${MOUNT}/)`));

// Stop taking connections, then let the gateway drain its requests and flush its request log.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, async () => {
    server.close();
    await gateway.close();
    console.log("closed");
    process.exit(0);
  });
}
