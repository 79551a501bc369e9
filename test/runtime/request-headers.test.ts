import { describe, expect, it } from "vitest";
import type { HttpUpstream } from "../../runtime/contract.ts";
import { gatewayRequestHeaders, translatedRequestHeaders, upstreamRequestHeaders } from "../../runtime/upstream/request-headers.ts";

// Only the fields header building reads: the provider's frozen headers and its API.
const upstream = (api: string, headers: Record<string, string>) => ({ api, headers: Object.freeze(headers) }) as unknown as HttpUpstream;
const openai = upstream("openai", { authorization: "Bearer sk-provider" });
const anthropic = upstream("anthropic", { "x-api-key": "sk-ant-provider" });

describe("upstreamRequestHeaders", () => {
  it("sends the client's headers with the provider's over them, in a fresh object", () => {
    const client = { "content-type": "application/json", "openai-beta": "assistants=v2", authorization: "Bearer client" };
    const out = upstreamRequestHeaders(client, openai, null, null);
    expect(out).toEqual({ "content-type": "application/json", "openai-beta": "assistants=v2", authorization: "Bearer sk-provider" });
    out["content-length"] = "3";
    expect(openai.headers).toEqual({ authorization: "Bearer sk-provider" });
    expect(client).not.toHaveProperty("content-length");
  });

  it("lets the route's header rules decide, with the client's key for bring-your-own-key", () => {
    const seen: unknown[] = [];
    const rule = (client: Readonly<Record<string, string>>, provider: Readonly<Record<string, string>>, key: string | null) => {
      seen.push([client, provider, key]);
      return { authorization: `Bearer ${key}`, "x-route": "1" };
    };
    expect(upstreamRequestHeaders({ accept: "*/*" }, openai, rule, "sk-client")).toEqual({ authorization: "Bearer sk-client", "x-route": "1" });
    expect(seen).toEqual([[{ accept: "*/*" }, { authorization: "Bearer sk-provider" }, "sk-client"]]);
  });
});

describe("translatedRequestHeaders", () => {
  it("drops the client API's own headers and adds the version header an Anthropic upstream requires", () => {
    const client = { "content-type": "application/json", "openai-organization": "org", "x-stainless-lang": "js", "user-agent": "sdk" };
    expect(translatedRequestHeaders(client, anthropic, null, null)).toEqual({
      "content-type": "application/json",
      "user-agent": "sdk",
      "anthropic-version": "2023-06-01",
      "x-api-key": "sk-ant-provider",
    });
  });

  it("drops anthropic-* headers on the way to an OpenAI upstream and adds no version header", () => {
    const out = translatedRequestHeaders({ "anthropic-version": "2023-06-01", "anthropic-beta": "x", accept: "*/*" }, openai, null, null);
    expect(out).toEqual({ accept: "*/*", authorization: "Bearer sk-provider" });
  });
});

describe("gatewayRequestHeaders", () => {
  it("sends the provider's headers and the gateway's own, with Anthropic's version header", () => {
    expect(gatewayRequestHeaders(anthropic, { accept: "application/json" })).toEqual({ "x-api-key": "sk-ant-provider", accept: "application/json", "anthropic-version": "2023-06-01" });
    expect(gatewayRequestHeaders(openai, { "content-type": "application/json", authorization: "Bearer token" })).toEqual({ "content-type": "application/json", authorization: "Bearer token" });
  });
});
