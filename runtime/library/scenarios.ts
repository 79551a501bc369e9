// playScenario: a scenario loaded into the running gateway through its control API (/_switchyard/scenarios,
// runtime/endpoints/ of the session work), as a test harness would over HTTP, so the library adds no second
// way in. The handle it returns names the scenario and the header that picks it; its methods are the API's
// report, reset and delete calls.

import type { ScenarioDiagnostic, ScenarioHandle, ScenarioReport, ScenarioSource, ScenarioStatus } from "./api.ts";

type AdminCall = (path: string, init?: RequestInit) => Promise<Response>;

const PATH = "/_switchyard/scenarios";

/** The API's error message (and diagnostics, one `file:line:col: message` a line), or the status when it has none. */
async function failure(what: string, response: Response): Promise<Error> {
  const text = await response.text();
  let body: { error?: { message?: string; diagnostics?: ScenarioDiagnostic[] } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON: the status and text say what there is.
  }
  // The server's catch-all 404: a bundle built before the control API existed.
  if (response.status === 404 && body.error?.message?.startsWith("no such endpoint")) return new Error(`${what}: this gateway has no scenario control API (${PATH})`);
  const message = body.error?.message ?? `${response.status} ${text}`;
  const lines = (body.error?.diagnostics ?? []).map((d) => `\n  ${d.file}:${d.line}:${d.col}: ${d.message}`);
  return Object.assign(new Error(`${what}: ${message}${lines.join("")}`), { status: response.status, diagnostics: body.error?.diagnostics ?? [] });
}

async function json<T>(what: string, response: Response): Promise<T> {
  if (!response.ok) throw await failure(what, response);
  return (await response.json()) as T;
}

export async function openScenario(source: ScenarioSource, admin: AdminCall): Promise<ScenarioHandle> {
  if ((source.file === undefined) === (source.yaml === undefined)) throw new TypeError("playScenario: give either file or yaml");
  const loaded = await json<{ name: string; responses: number; warnings: ScenarioDiagnostic[] }>(
    "playScenario",
    await admin(PATH, { method: "POST", body: JSON.stringify(source) }),
  );
  const path = `${PATH}/${encodeURIComponent(loaded.name)}`;
  const done = async (what: string, response: Response) => {
    if (!response.ok) throw await failure(what, response);
    await response.body?.cancel();
  };
  return {
    name: loaded.name,
    headers: { "x-switchyard-scenario": loaded.name },
    responses: loaded.responses,
    warnings: loaded.warnings ?? [],
    report: async () => json<ScenarioReport>(`report of scenario ${loaded.name}`, await admin(`${path}/report`)),
    status: async () => json<ScenarioStatus>(`status of scenario ${loaded.name}`, await admin(path)),
    reset: async () => done(`reset of scenario ${loaded.name}`, await admin(`${path}/reset`, { method: "POST" })),
    unload: async () => done(`unload of scenario ${loaded.name}`, await admin(path, { method: "DELETE" })),
  };
}
