// The admin API for keys, for automation and the dashboard: the same operations as `switchyard keys`
// (runtime/access/key-admin.ts), guarded by SWITCHYARD_ADMIN_KEY.
//
//   POST   /admin/keys               {name, models?, rpm?, tpm?, budget_usd?, budget_period?, expires?} → 201 {…key, key}
//   GET    /admin/keys               → {data: [key…]}
//   GET    /admin/keys/:id           → key, with its budget this period and 30 days of spend
//   PATCH  /admin/keys/:id           {any policy field; null clears it} → key
//   POST   /admin/keys/:id/revoke    → key           (DELETE /admin/keys/:id does the same)
//   POST   /admin/keys/:id/rotate    {grace?: "24h"} → {id, key, old_key_expires_at}
//
// A key's text appears only in the create and rotate answers. Every change reloads this instance's keyring
// at once; other instances see it at their next poll (within about a second).
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { RouteRegistry } from "../listener/route-table.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { readBody } from "../client/read-body.ts";
import { bodyStalled } from "./json-request.ts";
import type { AdminKey } from "../access/admin-key.ts";
import type { KeyCache } from "../access/keyring.ts";
import { createKey, KeyInputError, keyReport, keyView, parseDuration, parsePolicy, rotateKey, type KeyInput } from "../access/key-admin.ts";
import type { Store } from "../store/types.ts";

const ADMIN_BODY_LIMIT = 64 * 1024;
const DEFAULT_GRACE = "24h";

type Handler = (params: readonly string[], body: KeyInput & { grace?: unknown }) => Promise<{ status: number; body: unknown }>;

export function registerAdminKeys(app: RouteRegistry, admin: AdminKey, store: Store, keys: KeyCache): void {
  const notFound = (id: string) => ({ status: 404, body: { error: { message: `no key ${JSON.stringify(id)}`, type: "not_found_error", param: null, code: "key_not_found" } } });
  const changed = async <T>(result: T): Promise<T> => {
    await keys.reload();
    return result;
  };

  const revoke: Handler = async ([id]) => {
    const record = await store.revokeKey(id!, Date.now());
    return record === null ? notFound(id!) : changed({ status: 200, body: keyView(record) });
  };

  const routes: Array<[method: "get" | "post" | "patch" | "del", path: string, params: number, handler: Handler]> = [
    ["post", "/admin/keys", 0, async (_, body) => {
      const created = await createKey(store, body);
      return changed({ status: 201, body: { ...keyView(created.record), key: created.key } });
    }],
    ["get", "/admin/keys", 0, async () => ({ status: 200, body: { data: (await store.listKeys()).map((record) => keyView(record)) } })],
    ["get", "/admin/keys/:id", 1, async ([id]) => {
      const record = await store.getKey(id!);
      return record === null ? notFound(id!) : { status: 200, body: await keyReport(store, record) };
    }],
    ["patch", "/admin/keys/:id", 1, async ([id], body) => {
      const record = await store.updateKey(id!, parsePolicy(body, Date.now()));
      return record === null ? notFound(id!) : changed({ status: 200, body: keyView(record) });
    }],
    ["post", "/admin/keys/:id/revoke", 1, revoke],
    ["del", "/admin/keys/:id", 1, revoke],
    ["post", "/admin/keys/:id/rotate", 1, async ([id], body) => {
      const rotated = await rotateKey(store, id!, parseDuration(body.grace ?? DEFAULT_GRACE, "grace"));
      return rotated === null ? notFound(id!) : changed({ status: 200, body: { id, key: rotated.key, old_key_expires_at: new Date(rotated.oldKeyExpiresAt).toISOString() } });
    }],
  ];

  for (const [method, path, paramCount, handler] of routes) {
    app[method](path, (res: HttpResponse, req: HttpRequest) => {
      const client = new ClientResponse(res);
      /* uWS: the request object is only valid until the first await, so read everything now. */
      const check = admin.check(req);
      const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? "");
      const body = method === "get" || method === "del" ? null : readBody(res, ADMIN_BODY_LIMIT, Number(req.getHeader("content-length") || 0));
      const reply = (status: number, payload: unknown) => client.send(status, JSON_HEADERS, JSON.stringify(payload));
      const fail = (error: ClientError) => client.send(error.status, JSON_HEADERS, errorBody("openai", error), error.closeConnection);
      void (async () => {
        let input: KeyInput = {};
        if (body !== null) {
          const read = await body;
          if (!read.ok) return fail(read.reason === "timeout" ? bodyStalled() : { status: 413, message: `request body is larger than the ${ADMIN_BODY_LIMIT} byte limit` });
          if (read.body.byteLength > 0) {
            try {
              input = JSON.parse(read.body.toString("utf8")) as KeyInput;
            } catch (error) {
              return fail({ status: 400, message: `request body is not valid JSON: ${(error as Error).message}` });
            }
            if (typeof input !== "object" || input === null || Array.isArray(input)) return fail({ status: 400, message: "request body must be a JSON object" });
          }
        }
        if (!check.ok) return fail({ status: 401, code: "invalid_admin_key", message: check.message });
        try {
          const result = await handler(params, input);
          reply(result.status, result.body);
        } catch (error) {
          if (error instanceof KeyInputError) return fail({ status: 400, message: error.message });
          fail({ status: 500, message: `internal error: ${(error as Error).message}` });
        }
      })();
    });
  }
}
