// The two HTTP backends (runtime/http-backend/) against one table of cases, as a handler sees them: the same
// routing order, request accessors, response framing, body delivery, backpressure, aborts and listen rules.
// uWS runs where its native binary loads (Node 20 here); node:http everywhere.
import { execFileSync } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AppOptions, HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import { createNodeServer, hasReusePort } from "../../runtime/http-backend/node/server.ts";
import { createUwsServer, loadNativeUws } from "../../runtime/http-backend/uws.ts";
import { selectHttpBackend } from "../../runtime/http-backend/select.ts";
import type { HttpListener, HttpServer } from "../../runtime/http-backend/types.ts";

const native = loadNativeUws();
const backends: Array<[string, (options?: AppOptions) => HttpServer]> = [["node", createNodeServer]];
if (native.ok) backends.push(["uws", (options) => createUwsServer(native.uws, options)]);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

function send(port: number, method: string, pathname: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path: pathname, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Raw bytes of one exchange, for framing (Content-Length vs chunked) that node's client hides. */
function raw(port: number, text: string, until: (received: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => {
      received += d.toString("latin1");
      if (until(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", reject);
    socket.write(text);
  });
}

describe.each(backends)("the %s backend", (_name, create) => {
  const listeners: HttpListener[] = [];
  afterEach(() => {
    for (const listener of listeners.splice(0)) listener.close();
  });

  async function serve(register: (app: TemplatedApp) => void, options?: AppOptions): Promise<number> {
    const server = create(options);
    register(server.app);
    const listener = await server.listen("127.0.0.1", 0, false);
    expect(listener).not.toBeNull();
    listeners.push(listener!);
    return listener!.port;
  }

  const answer = (text: string) => (res: HttpResponse) => void res.end(text);

  it("routes as uWS does: the method's fixed path, then :param, then *, then any", async () => {
    const port = await serve((app) => {
      app.any("/*", (res, req) => void res.end(`any ${req.getCaseSensitiveMethod()} ${req.getUrl()}`));
      app.get("/keys/*", answer("tail"));
      app.get("/keys/:id", (res, req) => void res.end(`param ${req.getParameter(0)}`));
      app.get("/keys/:id/:action", (res, req) => void res.end(`params ${req.getParameter(0)} ${req.getParameter(1)}`));
      app.get("/keys/mine", answer("fixed"));
      app.post("/keys/mine", answer("post"));
      app.del("/keys/:id", (res, req) => void res.end(`delete ${req.getParameter(0)}`));
      app.patch("/keys/:id", answer("patch"));
      app.options("/*", answer("options"));
    });
    const cases: Array<[string, string, string]> = [
      ["GET", "/keys/mine", "fixed"],
      ["GET", "/keys/k1", "param k1"],
      ["GET", "/keys/k1/revoke", "params k1 revoke"],
      ["GET", "/keys/k1/revoke/more", "tail"],
      ["POST", "/keys/mine", "post"],
      ["POST", "/keys/other", "any POST /keys/other"],
      ["DELETE", "/keys/k2", "delete k2"],
      ["PATCH", "/keys/k3", "patch"],
      ["OPTIONS", "/anything", "options"],
      ["GET", "/", "any GET /"],
      ["PUT", "/keys/mine?x=1", "any PUT /keys/mine"],
    ];
    for (const [method, pathname, want] of cases) expect([method, pathname, (await send(port, method, pathname)).body]).toEqual([method, pathname, want]);
  });

  it("reads a request as uWS gives it: path without query, undefined query, lower-case headers, '' when absent", async () => {
    const seen: unknown[] = [];
    const port = await serve((app) =>
      app.get("/*", (res: HttpResponse, req: HttpRequest) => {
        const headers: Array<[string, string]> = [];
        req.forEach((k, v) => headers.push([k, v]));
        seen.push({
          url: req.getUrl(),
          query: req.getQuery() ?? null,
          method: req.getCaseSensitiveMethod(),
          custom: req.getHeader("x-custom"),
          absent: req.getHeader("x-absent"),
          fromForEach: headers.find(([k]) => k === "x-custom")?.[1],
          peer: Buffer.from(res.getRemoteAddressAsText()).toString(),
        });
        res.end("ok");
      }),
    );
    await send(port, "GET", "/a/b?x=1&y=%20", { headers: { "X-Custom": "Value" } });
    await send(port, "GET", "/a%20b", { headers: { "X-Custom": "v2" } });
    await send(port, "GET", "/c?", { headers: { "X-Custom": "v3" } });
    await send(port, "GET", "/d", { headers: { "X-Custom": "v4" } });
    expect(seen).toEqual([
      { url: "/a/b", query: "x=1&y=%20", method: "GET", custom: "Value", absent: "", fromForEach: "Value", peer: "127.0.0.1" },
      { url: "/a%20b", query: null, method: "GET", custom: "v2", absent: "", fromForEach: "v2", peer: "127.0.0.1" },
      { url: "/c", query: "", method: "GET", custom: "v3", absent: "", fromForEach: "v3", peer: "127.0.0.1" },
      { url: "/d", query: null, method: "GET", custom: "v4", absent: "", fromForEach: "v4", peer: "127.0.0.1" },
    ]);
  });

  it("sends status and every header line, Content-Length for end(body) and chunked framing for write()", async () => {
    const port = await serve((app) => {
      app.get("/whole", (res) =>
        void res.cork(() => {
          res.writeStatus("201 Created").writeHeader("vary", "Origin").writeHeader("vary", "Accept").writeHeader("content-type", "text/plain");
          res.end("héllo");
        }),
      );
      app.get("/chunks", (res) => {
        res.onAborted(() => {});
        res.writeStatus("200 OK");
        res.write("one ");
        setTimeout(() => res.cork(() => res.end("two")), 20);
      });
    });
    const whole = await send(port, "GET", "/whole");
    expect(whole.status).toBe(201);
    expect(whole.body).toBe("héllo");
    expect(whole.headers["content-length"]).toBe(String(Buffer.byteLength("héllo")));
    expect(whole.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1]!.toLowerCase() === "vary")).toEqual(["Origin", "Accept"]);
    const chunks = await raw(port, "GET /chunks HTTP/1.1\r\nhost: x\r\n\r\n", (r) => r.endsWith("0\r\n\r\n"));
    expect(chunks.toLowerCase()).toContain("transfer-encoding: chunked");
    expect(chunks).toMatch(/\r\n4\r\none \r\n3\r\ntwo\r\n0\r\n\r\n$/);
  });

  it("answers HEAD with a registered head handler's status and headers, and no body bytes", async () => {
    const port = await serve((app) => {
      app.head("/", (res) => void res.cork(() => res.writeStatus("200 OK").writeHeader("content-length", "5").endWithoutBody()));
      app.get("/next", answer("next"));
    });
    // Both requests on one connection: body bytes after the HEAD would show up as the start of the second answer.
    const text = await raw(port, "HEAD / HTTP/1.1\r\nhost: x\r\n\r\nGET /next HTTP/1.1\r\nhost: x\r\n\r\n", (r) => r.endsWith("next"));
    const [head, rest] = text.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head!.toLowerCase()).toContain("content-length: 5");
    expect(rest).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it("hands the body to onData as ArrayBuffers as it arrives, with isLast on the final call, one empty call for none", async () => {
    const calls: Array<{ bytes: number; last: boolean }[]> = [];
    let received = Buffer.alloc(0);
    const port = await serve((app) =>
      app.post("/*", (res) => {
        const mine: { bytes: number; last: boolean }[] = [];
        calls.push(mine);
        const parts: Buffer[] = [];
        res.onAborted(() => {});
        res.onData((chunk, isLast) => {
          expect(chunk).toBeInstanceOf(ArrayBuffer);
          mine.push({ bytes: chunk.byteLength, last: isLast });
          parts.push(Buffer.from(new Uint8Array(chunk)));
          if (isLast) {
            received = Buffer.concat(parts);
            res.cork(() => res.end(String(received.byteLength)));
          }
        });
      }),
    );
    expect((await send(port, "POST", "/empty")).body).toBe("0");
    expect(calls[0]).toEqual([{ bytes: 0, last: true }]);
    const big = Buffer.alloc(3 * 1024 * 1024, "abcdefgh");
    expect((await send(port, "POST", "/big", { body: big })).body).toBe(String(big.byteLength));
    expect(received.equals(big)).toBe(true);
    expect(calls[1]!.filter((c) => c.last)).toHaveLength(1);
    expect(calls[1]!.at(-1)!.last).toBe(true);
  });

  it("hands over the start of a body before the client has sent the rest", async () => {
    let received = 0;
    let sawFirstHalf!: () => void;
    const firstHalf = new Promise<void>((resolve) => (sawFirstHalf = resolve));
    const port = await serve((app) =>
      app.post("/upload", (res) => {
        res.onAborted(() => {});
        res.onData((chunk, isLast) => {
          received += chunk.byteLength;
          if (received >= 1000) sawFirstHalf();
          if (isLast) res.cork(() => res.end(String(received)));
        });
      }),
    );
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (d) => (text += d));
    socket.write(`POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 2000\r\n\r\n${"a".repeat(1000)}`);
    // A backend that held data back until it knew the last chunk would never get here.
    await Promise.race([firstHalf, new Promise((_, reject) => setTimeout(() => reject(new Error("the first half was not handed over")), 5000))]);
    socket.write("b".repeat(1000));
    for (let i = 0; i < 200 && !text.endsWith("2000"); i++) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    expect(text).toMatch(/2000$/);
  });

  it("reports backpressure from write() and calls onWritable once the client reads again", async () => {
    let writes = 0;
    let refused = 0;
    let writableCalls = 0;
    const chunk = Buffer.alloc(64 * 1024, "x");
    const TOTAL = 256;
    const port = await serve((app) =>
      app.get("/flood", (res) => {
        res.onAborted(() => {});
        res.writeStatus("200 OK");
        const pump = () => {
          while (writes < TOTAL) {
            writes++;
            if (!res.write(chunk)) {
              refused++;
              return;
            }
          }
          res.end();
        };
        res.onWritable(() => {
          writableCalls++;
          pump();
          return true;
        });
        pump();
      }),
    );
    const socket: Socket = connect(port, "127.0.0.1");
    socket.pause();
    socket.write("GET /flood HTTP/1.1\r\nhost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 500));
    // The client reads nothing: the server stops long before it has written 16 MB.
    expect(writes).toBeLessThan(TOTAL);
    expect(refused).toBeGreaterThan(0);
    let bytes = 0;
    await new Promise<void>((resolve) => {
      socket.on("data", (d: Buffer) => {
        bytes += d.byteLength;
        if (d.subarray(-5).toString() === "0\r\n\r\n") resolve();
      });
      socket.resume();
    });
    socket.destroy();
    expect(writes).toBe(TOTAL);
    expect(writableCalls).toBeGreaterThan(0);
    expect(bytes).toBeGreaterThan(TOTAL * chunk.byteLength);
  });

  it("ends a body of known size with tryEnd, resuming from getWriteOffset in onWritable", async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, "y");
    const port = await serve((app) =>
      app.get("/file", (res) => {
        res.onAborted(() => {});
        const attempt = (): boolean => {
          /* uWS: the response must not be touched once tryEnd reports done. */
          const [ok, done] = res.tryEnd(body.subarray(res.getWriteOffset()), body.byteLength);
          return ok || done;
        };
        if (!attempt()) res.onWritable(attempt);
      }),
    );
    const reply = await send(port, "GET", "/file");
    expect(reply.headers["content-length"]).toBe(String(body.byteLength));
    expect(reply.body).toBe(body.toString());
  });

  it("runs onAborted when the client goes away mid-response, and when the handler calls close()", async () => {
    const aborted: string[] = [];
    const port = await serve((app) => {
      app.get("/hang", (res) => {
        res.onAborted(() => aborted.push("client"));
        res.writeStatus("200 OK");
        res.write("partial");
      });
      app.get("/close", (res) => {
        res.onAborted(() => aborted.push("close"));
        res.writeStatus("200 OK");
        res.write("partial");
        setTimeout(() => res.close(), 10);
      });
    });
    await raw(port, "GET /hang HTTP/1.1\r\nhost: x\r\n\r\n", (r) => r.includes("partial"));
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (d) => (text += d));
      socket.on("close", () => resolve(text));
      socket.write("GET /close HTTP/1.1\r\nhost: x\r\n\r\n");
    });
    expect(closed).toContain("partial");
    expect(closed).not.toContain("0\r\n\r\n");
    for (let i = 0; i < 50 && aborted.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(aborted.sort()).toEqual(["client", "close"]);
  });

  it("refuses a port another listener holds unless both share it on purpose", async () => {
    const port = await serve((app) => app.get("/", answer("first")));
    const second = create();
    second.app.get("/", answer("second"));
    expect(await second.listen("127.0.0.1", port, false)).toBeNull();
  });

  it("speaks TLS with a key and certificate named as uWS's SSLApp takes them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "switchyard-tls-"));
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
    const port = await serve((app) => app.get("/", answer("secure")), { key_file_name: key, cert_file_name: cert });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port, path: "/", rejectUnauthorized: false, agent: false }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
    expect(body).toBe("secure");
  });
});

describe("choosing the backend", () => {
  it("takes node:http when asked, and says why", () => {
    const backend = selectHttpBackend({ SWITCHYARD_HTTP_BACKEND: "node" });
    expect(backend.name).toBe("node");
    expect(backend.description).toContain("SWITCHYARD_HTTP_BACKEND=node");
  });

  it("takes uWS when its native binary loads, else node:http with the reason", () => {
    const backend = selectHttpBackend({});
    if (native.ok) expect(backend.name).toBe("uws");
    else {
      expect(backend.name).toBe("node");
      expect(backend.description).toContain(native.reason);
    }
  });

  it("refuses an unknown backend name, and uws where it cannot load", () => {
    expect(() => selectHttpBackend({ SWITCHYARD_HTTP_BACKEND: "express" })).toThrow(/SWITCHYARD_HTTP_BACKEND="express" is not one of uws, node/);
    if (!native.ok) expect(() => selectHttpBackend({ SWITCHYARD_HTTP_BACKEND: "uws" })).toThrow(native.reason);
  });

  it("knows which Node versions have reusePort", () => {
    expect([hasReusePort("20.20.2"), hasReusePort("22.11.0"), hasReusePort("22.12.0"), hasReusePort("23.0.0"), hasReusePort("23.1.0"), hasReusePort("24.0.0")]).toEqual([false, false, true, false, true, true]);
  });
});
