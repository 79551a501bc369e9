// The scenario control API, for test harnesses: load scenario files at run time, watch their sessions and
// read the assertion report. Guarded by SWITCHYARD_ADMIN_KEY like /admin/*; answers are JSON, errors in
// OpenAI's error shape. Reference: docs/scenarios.md.
//
//   POST   /_switchyard/scenarios              {name?, file?, yaml?} → 201 {name, responses, warnings}
//   GET    /_switchyard/scenarios              → {scenarios: [{name, source, sessions}]}
//   GET    /_switchyard/scenarios/:name        → {name, sessions: [{session, turn, timeMs, eventsLeft, assertions}]}
//   GET    /_switchyard/scenarios/:name/report → {name, passed, assertions: [{session, at, kind, status, message}]}
//   POST   /_switchyard/scenarios/:name/reset  → {name, sessions: []}
//   DELETE /_switchyard/scenarios/:name        → {name, deleted: true}
//
// A file is compiled by the generator's own scenario compiler (bundled into the server), so a mistake gets
// the same `file:line:col` diagnostics as at build time.
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { RouteRegistry } from "../listener/route-table.ts";
import { ClientResponse } from "../client/response.ts";
import { errorBody, JSON_HEADERS, type ClientError } from "../client/errors.ts";
import { readBody } from "../client/read-body.ts";
import type { AdminKey } from "../access/admin-key.ts";
import { presentedKey } from "../access/client-identity.ts";
import { compileScenario } from "../../generator/scenario.ts";
import type { Diagnostic } from "../../generator/diagnostics.ts";
import { BundledScenarioError, type ScenarioRegistry } from "../scenario/session/registry.ts";
import type { PlayableScenario } from "../scenario/session/playable.ts";

/** A scenario file, or the JSON body carrying one, may be this large. */
export const SCENARIO_SIZE_LIMIT = 1 << 20;
/** Names travel in a header and a URL path: kept to characters that need no escaping in either. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE = "/_switchyard/scenarios";

interface LoadInput {
  name?: unknown;
  file?: unknown;
  yaml?: unknown;
}

type Answer = { status: number; body: unknown };
class ApiError extends Error {
  constructor(readonly error: ClientError) {
    super(error.message);
  }
}

const located = (d: Diagnostic) => ({ file: d.file, line: d.line, col: d.col, message: d.message });

export interface ScenariosApiOptions {
  /** Files named by `file` are read relative to this folder and must lie inside it (default: process.cwd()). */
  readonly workingDir?: string;
}

export function registerScenariosApi(app: RouteRegistry, admin: AdminKey, registry: ScenarioRegistry, options: ScenariosApiOptions = {}): void {
  const workingDir = path.resolve(options.workingDir ?? process.cwd());

  const find = (name: string): PlayableScenario => {
    const playable = registry.peek(name);
    if (playable === undefined) throw new ApiError({ status: 404, code: "scenario_not_found", message: `no scenario named ${JSON.stringify(name)}: GET ${BASE} lists them` });
    return playable;
  };

  /** Reads `file` under the working dir; symlinks are followed first, so one cannot lead outside it. */
  const readScenarioFile = async (file: string): Promise<string> => {
    const outside = () => new ApiError({ status: 400, param: "file", message: `${JSON.stringify(file)} is outside the gateway's working directory ${workingDir}: only files under it can be loaded` });
    let real: string;
    try {
      real = await realpath(path.resolve(workingDir, file));
    } catch (error) {
      throw new ApiError({ status: 400, param: "file", message: `cannot read ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
    const relative = path.relative(await realpath(workingDir), real);
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) throw outside();
    const bytes = await readFile(real).catch((error: NodeJS.ErrnoException) => {
      throw new ApiError({ status: 400, param: "file", message: `cannot read ${JSON.stringify(file)}: ${error.code ?? error.message}` });
    });
    if (bytes.byteLength > SCENARIO_SIZE_LIMIT) throw new ApiError({ status: 400, param: "file", message: `${JSON.stringify(file)} is larger than the ${SCENARIO_SIZE_LIMIT} byte limit` });
    return bytes.toString("utf8");
  };

  const load = async (input: LoadInput): Promise<Answer> => {
    const { name, file, yaml } = input;
    if (name !== undefined && (typeof name !== "string" || !NAME.test(name))) {
      throw new ApiError({ status: 400, param: "name", message: "`name` must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit" });
    }
    if ((file === undefined) === (yaml === undefined)) throw new ApiError({ status: 400, message: "send exactly one of `file` (a path under the gateway's working directory) or `yaml` (the scenario's text)" });
    if (file !== undefined && (typeof file !== "string" || file === "")) throw new ApiError({ status: 400, param: "file", message: "`file` must be a non-empty path" });
    if (yaml !== undefined && typeof yaml !== "string") throw new ApiError({ status: 400, param: "yaml", message: "`yaml` must be a string holding the scenario file" });
    const text = typeof file === "string" ? await readScenarioFile(file) : (yaml as string);
    const label = typeof file === "string" ? file : `${typeof name === "string" ? name : "scenario"}.yaml`;
    const { scenario, diagnostics } = compileScenario(label, text);
    const errors = diagnostics.filter((d) => d.severity === "error");
    if (scenario === null) {
      const first = errors[0];
      const message = first === undefined ? `${label}: not a scenario` : `${label}:${first.line}:${first.col}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`;
      return { status: 400, body: { error: { message, type: "invalid_request_error", param: typeof file === "string" ? "file" : "yaml", code: "invalid_scenario", diagnostics: errors.map(located) } } };
    }
    const chosen = typeof name === "string" ? name : scenario.name;
    if (!NAME.test(chosen)) throw new ApiError({ status: 400, param: "name", message: `the scenario's name ${JSON.stringify(chosen)} cannot be used in a header: send \`name\`` });
    try {
      registry.load(chosen, typeof file === "string" ? file : "yaml", scenario);
    } catch (error) {
      if (error instanceof BundledScenarioError) throw new ApiError({ status: 409, param: "name", code: "scenario_is_bundled", message: error.message });
      throw error;
    }
    return { status: 201, body: { name: chosen, responses: scenario.responses.length, warnings: diagnostics.filter((d) => d.severity === "warning").map(located) } };
  };

  const routes: Array<[method: "get" | "post" | "del", path: string, params: number, handler: (params: string[], body: LoadInput) => Answer | Promise<Answer>]> = [
    ["post", BASE, 0, (_, body) => load(body)],
    ["get", BASE, 0, () => ({ status: 200, body: { scenarios: registry.list().map((s) => ({ name: s.name, source: s.source, sessions: s.sessionCount })) } })],
    ["get", `${BASE}/:name`, 1, ([name]) => ({ status: 200, body: { name, sessions: find(name!).status() } })],
    ["get", `${BASE}/:name/report`, 1, ([name]) => ({ status: 200, body: { name, ...find(name!).report() } })],
    ["post", `${BASE}/:name/reset`, 1, ([name]) => {
      find(name!).reset();
      return { status: 200, body: { name, sessions: [] } };
    }],
    ["del", `${BASE}/:name`, 1, ([name]) => {
      if (registry.isBundled(name!)) throw new ApiError({ status: 409, code: "scenario_is_bundled", message: `${JSON.stringify(name)} is bundled with the gateway (routes.yaml) and cannot be unloaded; reset clears its sessions` });
      if (!registry.delete(name!)) find(name!);
      return { status: 200, body: { name, deleted: true } };
    }],
  ];

  for (const [method, pattern, paramCount, handler] of routes) {
    app[method](pattern, (res: HttpResponse, req: HttpRequest) => {
      const client = new ClientResponse(res);
      /* uWS: the request object is only valid until the first await, so read everything now. */
      const check = admin.check(req);
      const anonymous = presentedKey(req) === null;
      const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? "");
      const body = method === "post" && paramCount === 0 ? readBody(res, SCENARIO_SIZE_LIMIT + 4096, Number(req.getHeader("content-length") || 0)) : null;
      const reply = (status: number, payload: unknown) => client.send(status, JSON_HEADERS, JSON.stringify(payload));
      const fail = (error: ClientError) => client.send(error.status, JSON_HEADERS, errorBody("openai", error));
      void (async () => {
        let input: LoadInput = {};
        if (body !== null) {
          const read = await body;
          if (!read.ok) return fail({ status: 413, message: `request body is larger than the ${SCENARIO_SIZE_LIMIT + 4096} byte limit` });
          try {
            input = JSON.parse(read.body.toString("utf8")) as LoadInput;
          } catch (error) {
            return fail({ status: 400, message: `request body is not valid JSON: ${(error as Error).message}` });
          }
          if (typeof input !== "object" || input === null || Array.isArray(input)) return fail({ status: 400, message: "request body must be a JSON object" });
        }
        // No key: who is asking is unknown (401). A key that is not the admin key: known, and refused (403).
        if (!check.ok) return fail({ status: anonymous || !admin.configured ? 401 : 403, code: "invalid_admin_key", message: check.message });
        try {
          const result = await handler(params.map(decodeName), input);
          reply(result.status, result.body);
        } catch (error) {
          if (error instanceof ApiError) return fail(error.error);
          fail({ status: 500, message: `internal error: ${(error as Error).message}` });
        }
      })();
    });
  }
}

function decodeName(param: string): string {
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}
