// playScenario: a scenario loaded into the running gateway through its control API (/_switchyard/scenarios,
// runtime/endpoints/ of the session work), as a test harness would over HTTP, so the library adds no second
// way in. The handle it returns names the scenario and the header that picks it; its methods are the API's
// report, reset and delete calls.

export interface ScenarioSource {
  /** A scenario file (relative to the program's working directory), read by the gateway. */
  file?: string;
  /** The scenario's YAML itself. */
  yaml?: string;
  /** The name requests pick it by (x-switchyard-scenario); default: the gateway chooses one. Loading the same name again replaces it. */
  name?: string;
}

export interface ScenarioDiagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

export interface ScenarioAssertion {
  session: string;
  /** "file:line" of the assert event. */
  at: string;
  kind: string;
  status: "passed" | "failed" | "pending";
  message: string;
}

export interface ScenarioReport {
  name: string;
  passed: boolean;
  assertions: ScenarioAssertion[];
}

export interface ScenarioStatus {
  name: string;
  sessions: Array<{ session: string; turn: number; timeMs: number; eventsLeft: number; assertions: { passed: number; failed: number; pending: number } }>;
}

export interface ScenarioHandle {
  readonly name: string;
  /** Send these with a request to a route served by a `scenario` provider to have this scenario answer it. */
  readonly headers: { readonly "x-switchyard-scenario": string };
  /** How many responses the scenario has. */
  readonly responses: number;
  /** What the gateway warned about while loading it (unknown keys, assertion kinds), each at its line. */
  readonly warnings: readonly ScenarioDiagnostic[];
  /** The assertions checked so far, per session, and whether all passed. */
  report(): Promise<ScenarioReport>;
  /** Where each session is: turn, playback time, events left, assertion counts. */
  status(): Promise<ScenarioStatus>;
  /** Every session back to its first turn, assertions pending again. */
  reset(): Promise<void>;
  /** Removes the scenario from the gateway. */
  unload(): Promise<void>;
}

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
