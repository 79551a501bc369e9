// The models glob routes with `list_models: { upstream: true }` serve, read from their providers' own model
// lists (OpenAI and compatible servers' GET /models, Anthropic's GET /v1/models, Gemini's GET /v1beta/models,
// Ollama's GET /api/tags) with the provider's auth headers. A name is listed for a client API when that API's
// router sends it to such a route and the route has a target on that provider forwarding the client's model:
// what is listed is what a request for it would reach, precedence included.
//
// Never on the request path: the lists are fetched when the server starts and again, in the background, when a
// listing finds them older than the TTL; a listing always answers at once with what is known. A provider that
// is down or answers garbage keeps its last good list (none at first), and the failure is logged once per streak.
import type { Dispatcher } from "undici";
import type { ApiFamily, HttpUpstream, Route, Router } from "../contract.ts";
import { appLog } from "../log/app-log.ts";
import { gatewayRequestHeaders } from "../upstream/request-headers.ts";

/** How long a provider's list is used before a listing refreshes it. */
export const MODEL_LIST_TTL_MS = 10 * 60_000;
/** After a failed fetch, the next listing tries again after this long. */
const RETRY_MS = 60_000;
/** Bound on one fetch, headers to last byte. */
const FETCH_TIMEOUT_MS = 10_000;
/** A model list larger than this is not one. */
const MAX_LIST_BYTES = 8 << 20;
/** The list is read as JSON; the provider's headers (its key) and Anthropic's version header come with it. */
const ACCEPT_JSON = { accept: "application/json" };

interface Source {
  readonly upstream: HttpUpstream;
  readonly path: string;
  /** Names from the last good fetch. */
  names: readonly string[];
  /** When to fetch next (epoch ms); 0: now. */
  due: number;
  /** The fetch under way, if any: one at a time per provider. */
  inflight: Promise<void> | null;
  failing: boolean;
}

/** Model ids out of a provider's list response, per API shape; [] when the body is none of them. */
export function modelIdsOf(api: HttpUpstream["api"], body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const record = body as Record<string, unknown>;
  const items = api === "gemini" || api === "ollama" ? record.models : record.data;
  if (!Array.isArray(items)) return [];
  const ids: string[] = [];
  for (const item of items) {
    if (typeof item !== "object" || item === null) continue;
    const entry = item as Record<string, unknown>;
    if (api === "gemini") {
      // "models/gemini-2.5-flash"; embedding-only models cannot answer a chat.
      const methods = entry.supportedGenerationMethods;
      if (Array.isArray(methods) && !methods.includes("generateContent")) continue;
      if (typeof entry.name === "string") ids.push(entry.name.replace(/^models\//, ""));
    } else if (api === "ollama") {
      if (typeof entry.name === "string") ids.push(entry.name);
    } else if (typeof entry.id === "string") ids.push(entry.id);
  }
  return ids;
}

export class UpstreamModels {
  private readonly sources: Source[] = [];
  private readonly listedRoutes: ReadonlySet<string>;
  private current: Record<ApiFamily, readonly string[]> = { openai: [], anthropic: [] };
  /** Bumped whenever the lists change, so serialised listings know to be rebuilt. */
  version = 0;

  constructor(private readonly router: Router) {
    this.listedRoutes = new Set(router.upstreamListed ?? []);
    const seen = new Set<HttpUpstream>();
    for (const route of router.routes) {
      if (!this.listedRoutes.has(route.id)) continue;
      for (const target of route.targets) {
        const upstream = target.upstream;
        if (target.model !== null || upstream.kind !== "http" || !upstream.enabled || upstream.paths.models === null || seen.has(upstream)) continue;
        seen.add(upstream);
        this.sources.push({ upstream, path: upstream.paths.models, names: [], due: 0, inflight: null, failing: false });
      }
    }
  }

  /** Whether any route asks for upstream lists. */
  get active(): boolean {
    return this.sources.length > 0;
  }

  /** Names to list per API beyond the generated ones, as of the last fetches; starts stale ones in the background. */
  lists(now = Date.now()): Record<ApiFamily, readonly string[]> {
    void this.refresh(now);
    return this.current;
  }

  /** Fetches every list that is due; resolves when those fetches (and any under way) have ended. */
  refresh(now = Date.now()): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const source of this.sources) {
      if (source.inflight === null && source.due <= now) {
        source.inflight = this.fetch(source).finally(() => {
          source.inflight = null;
        });
      }
      if (source.inflight !== null) pending.push(source.inflight);
    }
    return Promise.all(pending).then(() => undefined);
  }

  private async fetch(source: Source): Promise<void> {
    const { upstream } = source;
    try {
      const headers = gatewayRequestHeaders(upstream, ACCEPT_JSON);
      const body = await getJson(upstream.dispatcher, source.path, headers);
      const names = modelIdsOf(upstream.api, body);
      source.names = names;
      source.due = Date.now() + MODEL_LIST_TTL_MS;
      if (source.failing) appLog.info({ provider: upstream.name, models: names.length }, `provider ${upstream.name}: model list read again (${names.length} models)`);
      source.failing = false;
      this.rebuild();
    } catch (error) {
      source.due = Date.now() + RETRY_MS;
      if (!source.failing) {
        appLog.warn({ provider: upstream.name }, `provider ${upstream.name}: cannot read its model list for /v1/models: ${(error as Error).message}; listing what was known`);
      }
      source.failing = true;
    }
  }

  /** Which fetched names each API's router sends to a listed route with a target on their provider. */
  private rebuild(): void {
    const next: Record<ApiFamily, string[]> = { openai: [], anthropic: [] };
    const exact: Record<ApiFamily, ReadonlySet<string>> = { openai: new Set(this.router.models.openai), anthropic: new Set(this.router.models.anthropic) };
    for (const api of ["openai", "anthropic"] as const) {
      const seen = new Set<string>();
      for (const source of this.sources) {
        for (const name of source.names) {
          if (seen.has(name) || exact[api].has(name)) continue;
          const route = this.router[api](name);
          if (route !== undefined && this.serves(route, source.upstream)) {
            seen.add(name);
            next[api].push(name);
          }
        }
      }
      next[api].sort();
    }
    const changed = (["openai", "anthropic"] as const).some((api) => next[api].join("\n") !== this.current[api].join("\n"));
    if (changed) {
      this.current = next;
      this.version++;
    }
  }

  private serves(route: Route, upstream: HttpUpstream): boolean {
    return this.listedRoutes.has(route.id) && route.targets.some((target) => target.upstream === upstream && target.model === null);
  }
}

/** GET `path` on the provider's pool and parse the body as JSON; throws on a non-2xx answer or a timeout. */
async function getJson(dispatcher: Dispatcher, path: string, headers: Record<string, string>): Promise<unknown> {
  const response = await dispatcher.request({ path, method: "GET", headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_LIST_BYTES) {
      response.body.destroy();
      throw new Error(`model list larger than ${MAX_LIST_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new Error("the answer is not JSON");
  }
}
