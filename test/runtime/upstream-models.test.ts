// runtime/endpoints/upstream-models.ts on its own: model ids out of each provider's list shape, and the
// cache against a real loopback server through an undici Pool (the provider's own auth headers, Anthropic's
// version header, what a route serves per API, a provider that goes down keeping its last list). The e2e
// suite (test/e2e/http-details.test.ts) covers the listing through the running bundle.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpUpstream, Route, Router, Target } from "../../runtime/contract.ts";
import { MODEL_LIST_TTL_MS, modelIdsOf, UpstreamModels } from "../../runtime/endpoints/upstream-models.ts";

describe("modelIdsOf", () => {
  it.each([
    ["openai", { object: "list", data: [{ id: "gpt-x", object: "model" }, { id: 3 }, "junk"] }, ["gpt-x"]],
    ["anthropic", { data: [{ type: "model", id: "claude-x" }], has_more: false }, ["claude-x"]],
    [
      "gemini",
      { models: [{ name: "models/gemini-x", supportedGenerationMethods: ["generateContent", "countTokens"] }, { name: "models/embedding-x", supportedGenerationMethods: ["embedContent"] }] },
      ["gemini-x"],
    ],
    ["ollama", { models: [{ name: "llama3.2:latest", model: "llama3.2:latest" }] }, ["llama3.2:latest"]],
    ["openai", { error: { message: "nope" } }, []],
    ["gemini", null, []],
  ] as const)("%s %j", (api, body, want) => {
    expect(modelIdsOf(api, body)).toEqual(want);
  });
});

describe("UpstreamModels", () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  /** A provider answering its model list with `body` (or `status`), recording each request's headers. */
  async function provider(body: () => object, status = () => 200): Promise<{ origin: string; seen: http.IncomingHttpHeaders[] }> {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.statusCode = status();
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  function upstream(origin: string, api: HttpUpstream["api"], models: string): HttpUpstream {
    const dispatcher = new Pool(origin);
    closers.push(() => dispatcher.close());
    return { kind: "http", name: api, api, enabled: true, headers: { "x-api-key": "sk-provider" }, dispatcher, paths: { models } } as unknown as HttpUpstream;
  }

  /** A router with one glob route per API over `upstream`, forwarding the client's model. */
  function router(up: HttpUpstream, globs: { openai?: RegExp; anthropic?: RegExp }, listed = ["r"]): Router {
    const target = { upstream: up, model: null } as unknown as Target;
    const route = { id: "r", targets: [target] } as unknown as Route;
    return {
      openai: (model: string) => (globs.openai?.test(model) ? route : undefined),
      anthropic: (model: string) => (globs.anthropic?.test(model) ? route : undefined),
      models: { openai: ["exact"], anthropic: [] },
      routes: [route],
      upstreamListed: listed,
    } as unknown as Router;
  }

  it("reads Anthropic's list with the provider's headers and anthropic-version; each API lists what its router sends to the route", async () => {
    const server = await provider(() => ({ data: [{ id: "claude-a" }, { id: "claude-b" }, { id: "other" }, { id: "exact" }] }));
    const models = new UpstreamModels(router(upstream(server.origin, "anthropic", "/v1/models?limit=1000"), { anthropic: /^claude-/, openai: /^claude-a$/ }));
    expect(models.active).toBe(true);
    await models.refresh();
    expect(models.lists()).toEqual({ openai: ["claude-a"], anthropic: ["claude-a", "claude-b"] });
    expect(server.seen[0]).toMatchObject({ "x-api-key": "sk-provider", "anthropic-version": "2023-06-01" });
  });

  it("a listing within the TTL asks nothing; after it, one background refresh; a failed one keeps the last list", async () => {
    let failing = false;
    const server = await provider(
      () => ({ data: [{ id: "m-1" }] }),
      () => (failing ? 503 : 200),
    );
    const models = new UpstreamModels(router(upstream(server.origin, "openai", "/models"), { openai: /^m-/ }));
    await models.refresh();
    const version = models.version;
    expect(models.lists().openai).toEqual(["m-1"]);
    expect(server.seen).toHaveLength(1);
    failing = true;
    const later = Date.now() + MODEL_LIST_TTL_MS + 1;
    // Answers at once with what is known; the refresh it starts fails and changes nothing.
    expect(models.lists(later).openai).toEqual(["m-1"]);
    await models.refresh(later);
    expect(server.seen).toHaveLength(2);
    expect(models.lists().openai).toEqual(["m-1"]);
    expect(models.version).toBe(version);
  });

  it("routes without list_models.upstream, disabled providers and targets with a fixed model ask nothing", () => {
    const up = upstream("http://127.0.0.1:9", "openai", "/models");
    expect(new UpstreamModels(router(up, { openai: /./ }, [])).active).toBe(false);
    const disabled = { ...up, enabled: false } as HttpUpstream;
    expect(new UpstreamModels(router(disabled, { openai: /./ })).active).toBe(false);
    const fixed = router(up, { openai: /./ });
    (fixed.routes[0]!.targets[0] as { model: string | null }).model = "gpt-x";
    expect(new UpstreamModels(fixed).active).toBe(false);
  });
});
