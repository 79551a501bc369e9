// GET /v1/models lists only what can answer: a model each of whose targets is on a provider whose key was
// empty at start (every request skips those) is left out, per API. The packed-install e2e test sees the same
// through a running bundle (the starter routes.yaml without OPENAI_API_KEY or ANTHROPIC_API_KEY lists "demo").
import { describe, expect, it } from "vitest";
import type { Route, Router, Target, Upstream } from "../../runtime/contract.ts";
import { servableModels } from "../../runtime/endpoints/models.ts";

const http = (name: string, enabled: boolean) => ({ kind: "http", name, enabled }) as unknown as Upstream;
const scenario = { kind: "scenario", name: "demo" } as unknown as Upstream;
const command = { kind: "command", name: "claude-cli" } as unknown as Upstream;

function route(id: string, ...upstreams: Upstream[]): Route {
  return { id, targets: upstreams.map((upstream) => ({ upstream, model: null }) as unknown as Target) } as unknown as Route;
}

function router(openai: Record<string, Route | undefined>, anthropic: Record<string, Route | undefined>): Router {
  return {
    openai: (model: string) => openai[model],
    anthropic: (model: string) => anthropic[model],
    responses: (model: string) => openai[model],
    models: { openai: Object.keys(openai), anthropic: Object.keys(anthropic) },
    routes: [],
  };
}

describe("servableModels", () => {
  it("keeps a model while one target's provider can answer, and drops it when none can", () => {
    const keyless = http("openai", false);
    const keyed = http("openrouter", true);
    const models = servableModels(
      router(
        {
          demo: route("demo", scenario),
          "gpt-4o": route("gpt-4o", keyless, keyed),
          "gpt-4o-mini": route("gpt-4o-mini", keyless),
          cli: route("cli", command),
        },
        { demo: route("demo", scenario), "gpt-4o-mini": route("gpt-4o-mini", keyless) },
      ),
    );
    expect(models).toEqual({ openai: ["demo", "gpt-4o", "cli"], anthropic: ["demo"] });
  });

  it("keeps a name no unconditional route serves: without a request it cannot tell", () => {
    expect(servableModels(router({ "only-when": undefined }, {}))).toEqual({ openai: ["only-when"], anthropic: [] });
  });
});
