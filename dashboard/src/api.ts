// Calls to the gateway with the admin key, which the page keeps in sessionStorage (gone when the tab
// closes) and sends as Authorization: Bearer. Paths are relative to /_switchyard/, so the page also works
// behind a proxy that mounts the gateway under a prefix.
import type { keyReport, keyView } from "../../runtime/access/key-admin.ts";
import type { OverviewWindow, RequestDetail, RequestList, SessionInfo, SpendReport } from "../../runtime/endpoints/dashboard-api.ts";

const STORAGE_KEY = "switchyard.adminKey";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Called when the gateway refuses the stored key (it changed, or the gateway restarted with another). */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function call<T>(method: string, path: string, body?: unknown, key = storedKey()): Promise<T> {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body), cache: "no-store" });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: reported below
  }
  if (!response.ok) {
    const message = json?.error?.message ?? `${response.status} ${response.statusText}`;
    if (response.status === 401 && key !== null && key === storedKey()) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  if (json === null) throw new ApiError(response.status, `unexpected answer from ${path}`);
  return json as T;
}

export const api = {
  session: (key?: string) => call<SessionInfo>("GET", "api/session", undefined, key ?? storedKey()),
  overview: (minutes: number) => call<OverviewWindow>("GET", `api/overview?minutes=${minutes}`),
  requests: (query: string) => call<RequestList>("GET", `api/requests?${query}`),
  request: (id: string) => call<RequestDetail>("GET", `api/requests/${encodeURIComponent(id)}`),
  spend: (days: number) => call<SpendReport>("GET", `api/spend?days=${days}`),
  keys: () => call<{ data: KeyView[] }>("GET", "../admin/keys"),
  keyReport: (id: string) => call<KeyReport>("GET", `../admin/keys/${encodeURIComponent(id)}`),
  createKey: (input: Record<string, unknown>) => call<KeyView & { key: string }>("POST", "../admin/keys", input),
  revokeKey: (id: string) => call<KeyView>("POST", `../admin/keys/${encodeURIComponent(id)}/revoke`),
};

/** A key as the admin API shows it, and with its budget this period and 30 days of spend (GET /admin/keys/:id). */
export type KeyView = ReturnType<typeof keyView>;
export type KeyReport = Awaited<ReturnType<typeof keyReport>>;
