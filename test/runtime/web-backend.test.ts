// The in-process backend (runtime/http-backend/web/): uWS's response contract kept over web-standard
// Request/Response, as handlers rely on it (node/'s tests pin the same over node:http).
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import { describe, expect, it } from "vitest";
import { createWebApp } from "../../runtime/http-backend/web/app.ts";

type Handler = (res: HttpResponse, req: HttpRequest) => void;

function appWith(routes: Array<[method: "get" | "post" | "any", pattern: string, handler: Handler]>) {
  const web = createWebApp();
  for (const [method, pattern, handler] of routes) (web.app[method] as (p: string, h: Handler) => unknown)(pattern, handler);
  return web;
}

describe("the web backend", () => {
  it("routes by path with :params and gives the query and headers as uWS does", async () => {
    const web = appWith([
      ["get", "/keys/:id", (res, req) => void res.end(JSON.stringify({ id: req.getParameter(0), url: req.getUrl(), q: req.getQuery(), one: req.getQuery("a"), h: req.getHeader("x-one"), missing: req.getHeader("x-none"), method: req.getMethod() }))],
    ]);
    const response = await web.handle(new Request("http://x/keys/k1?a=1&b=2#frag", { headers: { "X-One": "yes" } }));
    expect(await response.json()).toEqual({ id: "k1", url: "/keys/k1", q: "a=1&b=2", one: "1", h: "yes", missing: "", method: "get" });
    expect((await web.handle(new Request("http://x/elsewhere"))).status).toBe(404);
  });

  it("end(body) is the whole body with its length, status line and repeated headers kept", async () => {
    const web = appWith([["get", "/", (res) => void res.writeStatus("429 Too Many Requests").writeHeader("vary", "a").writeHeader("vary", "b").end("slow down")]]);
    const response = await web.handle(new Request("http://x/"));
    expect(response.status).toBe(429);
    expect(response.statusText).toBe("Too Many Requests");
    expect(response.headers.get("content-length")).toBe("9");
    expect(response.headers.get("vary")).toBe("a, b");
    expect(await response.text()).toBe("slow down");
  });

  it("endWithoutBody and a 204 have no body", async () => {
    const web = appWith([
      ["get", "/head", (res) => void res.endWithoutBody(42)],
      ["get", "/none", (res) => void res.writeStatus("204 No Content").end()],
    ]);
    const head = await web.handle(new Request("http://x/head"));
    expect(head.body).toBeNull();
    expect(head.headers.get("content-length")).toBe("42");
    expect((await web.handle(new Request("http://x/none"))).status).toBe(204);
  });

  it("write() streams chunks as written, reports backpressure, and runs onWritable when the reader catches up", async () => {
    let res!: HttpResponse;
    const writable: number[] = [];
    const results: boolean[] = [];
    const web = appWith([
      ["get", "/", (r) => {
        res = r;
        r.onAborted(() => undefined);
        r.onWritable((offset) => (writable.push(offset), true));
        results.push(r.write("first "));
      }],
    ]);
    const response = await web.handle(new Request("http://x/"));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first ");
    // 64 KiB queued and nobody reading: the next write says the client is behind.
    const big = new Uint8Array(40 * 1024);
    results.push(res.write(big), res.write(big));
    expect(results).toEqual([true, true, false]);
    expect(writable).toEqual([]);
    await reader.read();
    await reader.read();
    expect(writable.length).toBe(1);
    res.end("last");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe("last");
  });

  it("onData hands the request body over chunk by chunk, then isLast; pause holds it back until resume", async () => {
    const pieces = ["ab", "cd", "ef"];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const piece = pieces.shift();
        if (piece === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(piece));
      },
    });
    const seen: string[] = [];
    const web = appWith([
      ["post", "/", (res) => {
        res.onAborted(() => undefined);
        res.onData((chunk, isLast) => {
          seen.push(`${Buffer.from(chunk).toString()}${isLast ? "|last" : ""}`);
          if (seen.length === 1) {
            res.pause();
            setTimeout(() => {
              seen.push("resumed");
              res.resume();
            }, 20);
          }
          if (isLast) res.end(seen.join(","));
        });
      }],
    ]);
    const response = await web.handle(new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit));
    expect(await response.text()).toBe("ab,resumed,cd,ef,|last");
  });

  it("an aborted signal runs onAborted once and rejects the pending Response; a cancelled body does too", async () => {
    let aborted = 0;
    const web = appWith([["get", "/wait", (res) => void res.onAborted(() => aborted++)], ["get", "/stream", (res) => {
      res.onAborted(() => aborted++);
      res.write("x");
    }]]);
    const controller = new AbortController();
    const pending = web.handle(new Request("http://x/wait", { signal: controller.signal }));
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(aborted).toBe(1);
    const streaming = await web.handle(new Request("http://x/stream"));
    await streaming.body!.cancel();
    expect(aborted).toBe(2);
  });
});
