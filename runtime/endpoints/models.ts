// GET /v1/models (and the per-API paths): the public models the routes serve, in each SDK's shape: exact
// names, glob routes' declared examples, and what their providers list (upstream-models.ts). The lists are
// serialised once at start, and again when a provider's list changes; a key whose policy names its models
// gets only those it may use, serialised once per key (the cache is keyed by the key's object, which a
// keyring reload replaces, so a changed policy is picked up with it). With keys required, listing needs a
// key too. A model none of whose targets can answer (each on a provider whose key was empty at start, which
// every request skips) is left out: a client that picks from the list should not pick a certain 503.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ApiFamily, Route, Router } from "../contract.ts";
import { errorBody, JSON_HEADERS } from "../client/errors.ts";
import { readClientIdentity } from "../access/client-identity.ts";
import type { ActiveKey } from "../access/keyring.ts";
import type { EndpointServices } from "../services.ts";
import type { UpstreamModels } from "./upstream-models.ts";
import { baseRecord, newRequestId, recordError, traceIdOf, type LoggedRequest } from "../log/request-log.ts";

const EPOCH = "1970-01-01T00:00:00Z";

type Lists = Record<ApiFamily, string>;

function serialise(openai: readonly string[], anthropic: readonly string[]): Lists {
  return {
    openai: JSON.stringify({
      object: "list",
      data: openai.map((id) => ({ id, object: "model", created: 0, owned_by: "switchyard" })),
    }),
    anthropic: JSON.stringify({
      data: anthropic.map((id) => ({ type: "model", id, display_name: id, created_at: EPOCH })),
      has_more: false,
      first_id: anthropic[0] ?? null,
      last_id: anthropic.at(-1) ?? null,
    }),
  };
}

/** Whether a request routed here can reach some target: an HTTP provider without its key never can. */
function canServe(route: Route | undefined): boolean {
  // A name only conditional routes serve has no route without a request to look at: it stays listed.
  return route === undefined || route.targets.some((target) => target.upstream.kind !== "http" || target.upstream.enabled);
}

/** The routed names of each API that some target can serve, decided once: keys are read at start. */
export function servableModels(router: Router): Record<ApiFamily, readonly string[]> {
  return {
    openai: router.models.openai.filter((model) => canServe(router.openai(model))),
    anthropic: router.models.anthropic.filter((model) => canServe(router.anthropic(model))),
  };
}

function send(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status);
    for (const name in JSON_HEADERS) res.writeHeader(name, JSON_HEADERS[name]!);
    res.end(body);
  });
}

/**
 * One handler per API ("auto" picks by the anthropic-version header, as both SDKs call GET /v1/models).
 * `upstream` adds what glob routes' providers list (list_models.upstream); the lists are serialised again only
 * when those change, never per request.
 */
export function createModelsEndpoint(router: Router, services: Pick<EndpointServices, "gate" | "proxies" | "record">, upstream: UpstreamModels | null = null) {
  const { gate, proxies, record: recordRequest } = services;
  const models = servableModels(router);
  let version = -1;
  let names: Record<ApiFamily, readonly string[]> = { openai: models.openai, anthropic: models.anthropic };
  let all = serialise(models.openai, models.anthropic);
  let perKey = new WeakMap<ActiveKey, Lists>();

  /** The current lists: rebuilt (and the per-key cache dropped) when the upstream lists changed. */
  const current = (): Lists => {
    if (upstream === null || !upstream.active) return all;
    const extra = upstream.lists();
    if (upstream.version !== version) {
      version = upstream.version;
      names = { openai: [...models.openai, ...extra.openai], anthropic: [...models.anthropic, ...extra.anthropic] };
      all = serialise(names.openai, names.anthropic);
      perKey = new WeakMap();
    }
    return all;
  };

  const listsFor = (key: ActiveKey | null): Lists => {
    const lists = current();
    if (key === null || key.record.models === null) return lists;
    let own = perKey.get(key);
    if (own === undefined) {
      own = serialise(names.openai.filter((m) => key.allowsModel(m)), names.anthropic.filter((m) => key.allowsModel(m)));
      perKey.set(key, own);
    }
    return own;
  };

  return (which: keyof Lists | "auto") =>
    (res: HttpResponse, req: HttpRequest): void => {
      const api: keyof Lists = which !== "auto" ? which : req.getHeader("anthropic-version") !== "" ? "anthropic" : "openai";
      const identity = readClientIdentity(res, req, proxies);
      const denied = gate.authenticate(identity);
      if (denied) {
        const receivedAt = performance.now();
        const path = req.getUrl();
        const traceId = traceIdOf(req.getHeader("traceparent") || undefined);
        send(res, "401 Unauthorized", errorBody(api, denied));
        // Logged as a refused model request is, so an operator sees who was turned away (never the key itself).
        const request: LoggedRequest = { api, path, requestId: newRequestId(), receivedAt, time: Date.now(), attempts: [], route: null, model: null, stream: false, raw: undefined, traceId, identity };
        const record = baseRecord(request, 401);
        record.method = "GET";
        recordError(record, denied);
        recordRequest(request, record);
        return;
      }
      send(res, "200 OK", listsFor(identity.account)[api]);
    };
}
