// GET /metrics: the Prometheus text exposition of runtime/observe/metrics.ts. Where client keys are
// required, so is the admin key (SWITCHYARD_ADMIN_KEY): metrics name routes, providers and key ids, which
// a gateway that needs keys does not show to anyone who reaches the port. Registered only when metrics are
// on; otherwise the path falls through to the server's 404.
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { RouteRegistry } from "../listener/route-table.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS } from "../client/errors.ts";
import type { AdminKey } from "../access/admin-key.ts";

/** `scrape`: this process's registry as text, or with `--workers N` every worker's, aggregated (runtime/cluster/). */
export function registerMetricsEndpoint(app: RouteRegistry, contentType: string, scrape: () => Promise<string>, guard: { readonly required: boolean }, admin: AdminKey): void {
  const headers = { "content-type": contentType, "cache-control": "no-store" };
  app.get("/metrics", (res: HttpResponse, req: HttpRequest) => {
    const client = new ClientResponse(res);
    /* uWS: the request object is only valid until the first await, so check the key now. */
    if (guard.required) {
      const check = admin.check(req);
      if (!check.ok) {
        client.send(401, { ...JSON_HEADERS, "www-authenticate": "Bearer" }, errorBody("openai", { status: 401, code: "invalid_admin_key", message: check.message }));
        return;
      }
    }
    scrape().then(
      (text) => client.send(200, headers, text),
      (error: unknown) => client.send(500, JSON_HEADERS, errorBody("openai", { status: 500, message: `cannot collect metrics: ${(error as Error).message}` })),
    );
  });
}
