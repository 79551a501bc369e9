// The dashboard at /_switchyard/: its page (public, like any login page) and its data API (admin key).
//
//   GET /_switchyard/                     index.html (no-cache: it names the current assets)
//   GET /_switchyard/assets/:file         content-hashed JS, CSS, icon (immutable for a year)
//   GET /_switchyard/api/session          what the page needs once signed in (env, what the live view keeps)
//   GET /_switchyard/api/overview?minutes=N   per-minute series and totals, by model and by key (live view)
//   GET /_switchyard/api/requests?limit=N&outcome=ok|error&model=&key=&route=   latest requests, newest first
//   GET /_switchyard/api/requests/:id     one request: attempts, timings, usage, cost, redacted bodies
//   GET /_switchyard/api/spend?days=N     tokens and cost per day, model and key from the store's ledger
//
// Keys are listed, created and revoked through the admin API (/admin/keys) with the same admin key. Every
// response is built on demand: none of this is on the request path, which only feeds the live view.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { RouteRegistry } from "../listener/route-table.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, type ClientError } from "../client/errors.ts";
import type { AdminKey } from "../access/admin-key.ts";
import type { KeyCache } from "../access/keyring.ts";
import { utcDay } from "../spend/periods.ts";
import type { Store } from "../store/types.ts";
import { redactSecrets } from "../log/secrets.ts";
import type { LiveView } from "../observe/live-view.ts";
import type { DashboardAssets } from "./dashboard-assets.ts";
import type { OverviewWindow, RequestList, SessionInfo, SpendReport, SpendTally } from "./dashboard-api.ts";

export const DASHBOARD_PATH = "/_switchyard";

const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json", "cache-control": "no-store" });

/**
 * The page runs only its own files: no inline script or style, nothing from another origin, and it may not
 * be framed. Chart canvases draw data: nothing else is loaded.
 */
const PAGE_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const DAY_MS = 86_400_000;
const MAX_SPEND_DAYS = 366;
const DEFAULT_LIST = 100;

export interface DashboardOptions {
  readonly env: string;
  readonly admin: AdminKey;
  readonly store: Store;
  readonly keys: KeyCache;
  /** Recent traffic; server.ts feeds it only when there is an admin key (without one nobody could read it). */
  readonly view: LiveView;
  /** The built page; null when the runtime runs from source rather than from a bundle. */
  readonly assets: DashboardAssets | null;
  readonly recentRequests: number;
  readonly historyHours: number;
  readonly bodies: boolean;
}

/** A file ready to send: its bytes, gzipped once at start, and the headers that go with it. */
interface Prepared {
  readonly plain: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
}

function prepare(text: string, headers: Record<string, string>): Prepared {
  const plain = Buffer.from(text, "utf8");
  const etag = `"${createHash("sha256").update(plain).digest("base64url").slice(0, 22)}"`;
  return { plain, gzip: gzipSync(plain, { level: 9 }), etag, headers: { ...headers, etag, vary: "accept-encoding" } };
}

function sendFile(res: HttpResponse, req: HttpRequest, file: Prepared): void {
  const gzip = /\bgzip\b/.test(req.getHeader("accept-encoding"));
  const fresh = req.getHeader("if-none-match") === file.etag;
  res.cork(() => {
    res.writeStatus(fresh ? "304 Not Modified" : "200 OK");
    for (const name in file.headers) res.writeHeader(name, file.headers[name]!);
    if (fresh) return void res.endWithoutBody();
    if (gzip) res.writeHeader("content-encoding", "gzip");
    res.end(gzip ? file.gzip : file.plain);
  });
}

function sendJsonNow(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status);
    for (const name in API_HEADERS) res.writeHeader(name, API_HEADERS[name]!);
    res.end(body);
  });
}

/** An integer query parameter within [min, max]; `fallback` when absent or not a number. */
function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  const value = raw === null || raw.trim() === "" ? NaN : Number(raw);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : fallback;
}

function zeroTally(): SpendTally {
  return { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0 };
}

/** Tokens and cost over the last `days` UTC days, from the store's ledger. Costs summed in nano-dollars, exactly. */
export async function spendReport(store: Store, names: ReadonlyMap<string, string>, days: number, now = Date.now()): Promise<SpendReport> {
  const from = utcDay(now - (days - 1) * DAY_MS);
  const to = utcDay(now);
  const rows = await store.spend(null, from, to);
  type Sum = { tally: SpendTally; nanos: number };
  const group = (map: Map<string, Sum>, name: string): Sum => {
    let sum = map.get(name);
    if (sum === undefined) map.set(name, (sum = { tally: zeroTally(), nanos: 0 }));
    return sum;
  };
  const byDay = new Map<string, Sum>();
  for (let i = days - 1; i >= 0; i--) group(byDay, utcDay(now - i * DAY_MS));
  const byModel = new Map<string, Sum>();
  const byKey = new Map<string, Sum>();
  const total: Sum = { tally: zeroTally(), nanos: 0 };
  for (const row of rows) {
    for (const sum of [group(byDay, row.day), group(byModel, row.model), group(byKey, row.keyId), total]) {
      sum.tally.requests += row.requests;
      sum.tally.input_tokens += row.inputTokens;
      sum.tally.output_tokens += row.outputTokens;
      sum.tally.cache_read_tokens += row.cacheReadTokens;
      sum.tally.cache_write_tokens += row.cacheWriteTokens;
      sum.nanos += row.costNanos;
    }
  }
  const done = (sum: Sum): SpendTally => ({ ...sum.tally, cost_usd: sum.nanos / 1e9 });
  const byCost = (a: [string, Sum], b: [string, Sum]) => b[1].nanos - a[1].nanos || b[1].tally.requests - a[1].tally.requests || (a[0] < b[0] ? -1 : 1);
  return {
    days,
    from,
    to,
    by_day: [...byDay].map(([day, sum]) => ({ day, ...done(sum) })),
    by_model: [...byModel].sort(byCost).map(([model, sum]) => ({ model, ...done(sum) })),
    by_key: [...byKey].sort(byCost).map(([keyId, sum]) => ({ key_id: keyId === "" ? null : keyId, key_name: names.get(keyId) ?? null, ...done(sum) })),
    totals: done(total),
  };
}

type ApiHandler = (query: URLSearchParams, params: readonly string[]) => Promise<{ status: number; body: string }> | { status: number; body: string };

export function registerDashboard(app: RouteRegistry, options: DashboardOptions): void {
  const { admin, store, keys, view, assets } = options;
  const names = (): Map<string, string> => new Map(keys.keys().map((key) => [key.id, key.name]));
  const ok = (payload: unknown) => ({ status: 200, body: redactSecrets(JSON.stringify(payload)) });

  const api: Array<[path: string, params: number, handler: ApiHandler]> = [
    ["/api/session", 0, () => {
      const session: SessionInfo = { env: options.env, recent_requests: options.recentRequests, history_hours: options.historyHours, bodies: options.bodies };
      return ok(session);
    }],
    ["/api/overview", 0, (query) => {
      const window: OverviewWindow = view.minutes.window(Date.now(), intParam(query, "minutes", 60, 1, options.historyHours * 60));
      const known = names();
      for (const row of window.by_key) row.key_name = row.key_id === null ? null : (known.get(row.key_id) ?? null);
      return ok(window);
    }],
    ["/api/requests", 0, (query) => {
      const filter = {
        ...(query.get("outcome") === "ok" || query.get("outcome") === "error" ? { outcome: query.get("outcome") as "ok" | "error" } : {}),
        ...(query.get("model") ? { model: query.get("model")! } : {}),
        ...(query.get("key") ? { keyId: query.get("key")! } : {}),
        ...(query.get("route") ? { route: query.get("route")! } : {}),
      };
      const list: RequestList = { data: view.recent.list(intParam(query, "limit", DEFAULT_LIST, 1, options.recentRequests), filter), kept: view.recent.count };
      return ok(list);
    }],
    ["/api/requests/:id", 1, (_, [id]) => {
      const detail = view.recent.detailJson(id!);
      if (detail === null) return { status: 404, body: errorBody("openai", { status: 404, code: "request_not_found", message: `request ${id} is not among the last ${options.recentRequests} the live view keeps` }) };
      return { status: 200, body: detail };
    }],
    ["/api/spend", 0, async (query) => ok(await spendReport(store, names(), intParam(query, "days", 30, 1, MAX_SPEND_DAYS)))],
  ];

  for (const [path, paramCount, handler] of api) {
    app.get(DASHBOARD_PATH + path, (res, req) => {
      const client = new ClientResponse(res);
      /* uWS: the request object is only valid until the first await, so read everything now. */
      const check = admin.check(req);
      const query = new URLSearchParams(req.getQuery() ?? "");
      const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? "");
      const fail = (error: ClientError) => client.send(error.status, API_HEADERS, errorBody("openai", error));
      if (!check.ok) return fail({ status: 401, code: "invalid_admin_key", message: check.message });
      void (async () => {
        try {
          const result = await handler(query, params);
          client.send(result.status, API_HEADERS, result.body);
        } catch (error) {
          fail({ status: 500, message: `internal error: ${(error as Error).message}` });
        }
      })();
    });
  }
  app.get(`${DASHBOARD_PATH}/api/*`, (res, req) => sendJsonNow(res, "404 Not Found", errorBody("openai", { status: 404, message: `no such dashboard API: ${req.getUrl()}` })));

  app.get(DASHBOARD_PATH, (res) => {
    res.cork(() => res.writeStatus("308 Permanent Redirect").writeHeader("location", `${DASHBOARD_PATH}/`).end());
  });
  if (assets === null) {
    app.get(`${DASHBOARD_PATH}/*`, (res) =>
      sendJsonNow(res, "404 Not Found", errorBody("openai", { status: 404, message: "this server runs from source: the dashboard page is built into bundles by `switchyard build`" })),
    );
    return;
  }
  // Prepared once: the page never changes while the gateway runs.
  const index = prepare(assets.index, { ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" });
  const files = new Map(
    Object.entries(assets.files).map(([name, file]) => [
      name,
      prepare(file.text, { "x-content-type-options": "nosniff", "content-type": file.type, "cache-control": "public, max-age=31536000, immutable" }),
    ]),
  );
  app.get(`${DASHBOARD_PATH}/`, (res, req) => sendFile(res, req, index));
  app.get(`${DASHBOARD_PATH}/assets/:file`, (res, req) => {
    const file = files.get(req.getParameter(0) ?? "");
    if (file === undefined) return sendJsonNow(res, "404 Not Found", errorBody("openai", { status: 404, message: `no such dashboard file: ${req.getUrl()}` }));
    sendFile(res, req, file);
  });
}
