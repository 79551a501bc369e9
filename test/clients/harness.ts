// What every real-client test shares: the fixture gateway (test/clients/clients.routes.yaml) with client
// keys required, as a team runs it, in front of one OpenAI-format and one Anthropic-format loopback mock
// that play a tool loop: asked with tools, they call the first tool; given its result, they answer with it.
// And for the agent CLIs (Claude Code, Codex): their pinned versions, and running one as a user does.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type Behaviour, type MockUpstream, type RecordedRequest } from "../support/mock-upstream.ts";
import { installClient, type Installed } from "../support/npm-client.ts";

export const UPSTREAM_KEYS = { OA_KEY: "sk-oa-clients-0123456789abcdef", AN_KEY: "sk-ant-clients-0123456789abcdef" };
/** The tool every SDK test declares, and the arguments the mocks call it with. */
export const WEATHER = { name: "get_weather", arguments: { city: "Paris" } };
/** What the mocks answer once a tool result arrives: this prefix, then the result's text. */
export const TOOL_ANSWER_PREFIX = "The tool answered: ";

export interface ClientsGateway {
  gw: RunningGateway;
  oa: MockUpstream;
  an: MockUpstream;
  /** A Switchyard client key (sk-sy-…), created in the gateway's store before it started. */
  key: string;
  stop(): Promise<void>;
}

/** The text of an OpenAI or Anthropic message content: a string, or the text of its parts. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: any) => (typeof part?.text === "string" ? part.text : part?.type === "tool_result" ? contentText(part.content) : ""))
    .join("");
}

/** OpenAI format: a tool message last → answer with its text; tools declared → call the first; else text. */
export function openaiToolLoop(request: RecordedRequest): Behaviour {
  const messages: any[] = request.json?.messages ?? [];
  const last = messages.at(-1);
  if (last?.role === "tool") return { kind: "reply", text: TOOL_ANSWER_PREFIX + contentText(last.content) };
  const tool = request.json?.tools?.[0]?.function?.name;
  return tool ? { kind: "reply", toolCall: { name: tool, arguments: WEATHER.arguments } } : { kind: "reply" };
}

/** Anthropic format: a tool_result last → answer with its text; tools declared → call the first; else text. */
export function anthropicToolLoop(request: RecordedRequest): Behaviour {
  const messages: any[] = request.json?.messages ?? [];
  const last = messages.at(-1);
  const result = Array.isArray(last?.content) ? last.content.find((block: any) => block?.type === "tool_result") : undefined;
  if (result) return { kind: "reply", text: TOOL_ANSWER_PREFIX + contentText(result.content) };
  const tool = request.json?.tools?.[0]?.name;
  return tool ? { kind: "reply", toolCall: { name: tool, arguments: WEATHER.arguments } } : { kind: "reply" };
}

/**
 * Builds the fixture as test/.build/<name>/ (one name per test file: files run in parallel), creates a
 * client key with the `switchyard keys` CLI and starts the bundle with it required.
 */
export async function startClientsGateway(name: string, decide: { openai?: (r: RecordedRequest) => Behaviour } = {}): Promise<ClientsGateway> {
  const [oa, an] = await Promise.all([
    startMockUpstream({ api: "openai", default: decide.openai ?? openaiToolLoop }),
    startMockUpstream({ api: "anthropic", default: anthropicToolLoop }),
  ]);
  const { bundle } = await buildCase(name, "test/clients/clients.routes.yaml");
  const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-clients-")), "keys.db")}`;
  const created = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), "keys", "create", "--name", name, "--store", store, "--json"], { cwd: root, encoding: "utf8" });
  if (created.status !== 0) throw new Error(`switchyard keys create failed (${created.status}):\n${created.stdout}${created.stderr}`);
  const { key } = JSON.parse(created.stdout) as { key: string };
  const gw = await startGateway(bundle, { ...UPSTREAM_KEYS, OA_URL: oa.url, AN_URL: an.url, SWITCHYARD_STORE: store });
  return {
    gw,
    oa,
    an,
    key,
    async stop() {
      await gw.stop();
      await Promise.all([oa.close(), an.close()]);
    },
  };
}

/** Requests the mock received since `from` that ask for `/chat/completions` or `/v1/messages`. */
export function chatRequests(mock: MockUpstream, from = 0): RecordedRequest[] {
  return mock.requests.slice(from).filter((r) => r.method === "POST" && /\/(chat\/completions|messages)$/.test(r.path));
}

/** The tool result a request carries last, in either format: the call's id and the result's text. */
export function toolResultIn(request: RecordedRequest): { id: string; text: string } | undefined {
  const last = (request.json?.messages as any[] | undefined)?.at(-1);
  if (last?.role === "tool") return { id: last.tool_call_id, text: contentText(last.content) };
  const block = Array.isArray(last?.content) ? last.content.find((b: any) => b?.type === "tool_result") : undefined;
  return block ? { id: block.tool_use_id, text: contentText(block.content) } : undefined;
}

/** A test's view of what happened since it began: new upstream requests and new request-log records. */
export async function mark(setup: ClientsGateway): Promise<{ requests(mock: MockUpstream): RecordedRequest[]; records(n: number): Promise<Array<Record<string, any>>> }> {
  const from = { oa: setup.oa.requests.length, an: setup.an.requests.length, log: await setup.gw.settledLogCount() };
  return {
    requests: (mock) => chatRequests(mock, mock === setup.oa ? from.oa : from.an),
    records: async (n) => (await setup.gw.waitForLogRecords(from.log + n)).slice(from.log),
  };
}

/** The Claude Code the tests pin: its native build runs whatever Node.js the machine has, and it declares no TodoWrite. */
export const CLAUDE_CODE = "@anthropic-ai/claude-code@2.1.332";
export const CODEX = "@openai/codex@0.171.0";

export interface CliRun {
  /** The exit code; null when a signal ended it (the timeout's SIGKILL among them). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Its working folder, fresh for each run: what it wrote there is left for the test to read. */
  dir: string;
  /** Killed at the timeout rather than exiting on its own. */
  timedOut: boolean;
}

/**
 * `bin args` in `dir` with exactly `env` and no stdin, its output collected; SIGKILLed after `timeoutMs`,
 * so a CLI waiting on something that never comes ends the test with its output rather than a hang.
 */
function runCli(bin: string, args: string[], options: { dir: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<CliRun> {
  const { dir, env, timeoutMs } = options;
  const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    // Its own children (a shell it started) may hold the pipes open after it dies: close our ends, or
    // "close" would wait for them (child_process.execFile's timeout does the same).
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) => {
    // A bin that cannot start (missing, not executable) ends the run like a failed exit, its reason in stderr.
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${err.message}\n`, dir, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, dir, timedOut });
    });
  });
}

/** What an assertion on a CLI run prints when it fails: how the run ended, its output, the end of its stderr. */
export function runContext(name: string, run: CliRun): string {
  return `${name} ${run.timedOut ? "was killed at the timeout" : `exited ${run.code}`}\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-2000)}`;
}

/**
 * Claude Code from test/.clients/ (installed on a first run), checked with `claude --version`: a package whose
 * postinstall did not run (npm may be set to skip install scripts) has only a stub for a bin.
 */
export async function installClaudeCode(): Promise<Installed<{ bin: string; version: string }>> {
  const installed = await installClient(CLAUDE_CODE, "claude");
  if (!installed.ok) return installed;
  const version = spawnSync(installed.bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (version.status !== 0) {
    const output = `${version.stdout}${version.stderr}`.replace(/\s+/g, " ").trim().slice(0, 300);
    return { ok: false, reason: `${installed.bin} --version failed (${version.status ?? version.error?.message}): ${output}` };
  }
  return { ok: true, bin: installed.bin, version: version.stdout.trim() };
}

/**
 * `claude ARGS` in a fresh folder (its HOME and working directory) with only the environment a user would
 * set: ANTHROPIC_BASE_URL, `model` for every model Claude Code would pick on its own, and `env` (the key).
 */
export function runClaudeCode(bin: string, options: { baseUrl: string; model: string; env?: Record<string, string>; args: string[] }): Promise<CliRun> {
  const { baseUrl, model, env = {}, args } = options;
  const dir = mkdtempSync(path.join(tmpdir(), "switchyard-claude-"));
  return runCli(bin, args, {
    dir,
    timeoutMs: 100_000,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      ANTHROPIC_BASE_URL: baseUrl,
      // The main model and the small fast one alike are the route's.
      ANTHROPIC_MODEL: model,
      ANTHROPIC_DEFAULT_SONNET_MODEL: model,
      ANTHROPIC_DEFAULT_OPUS_MODEL: model,
      ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
      ANTHROPIC_SMALL_FAST_MODEL: model,
      // No telemetry, error reports, update checks or other traffic beyond the model's.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
      DISABLE_AUTOUPDATER: "1",
      ...env,
    },
  });
}

/**
 * `codex exec PROMPT` in a fresh working folder, with its own CODEX_HOME, pointed at `baseUrl`/v1 as a
 * Responses-API provider (`wire_api = "responses"`) whose key it reads from SWITCHYARD_KEY.
 */
export function runCodex(bin: string, options: { baseUrl: string; model: string; key: string; prompt: string }): Promise<CliRun> {
  const { baseUrl, model, key, prompt } = options;
  const home = mkdtempSync(path.join(tmpdir(), "switchyard-codex-home-"));
  const dir = mkdtempSync(path.join(tmpdir(), "switchyard-codex-work-"));
  const args = [
    "exec",
    "-c", "model_provider=switchyard",
    "-c", "model_providers.switchyard.name=Switchyard",
    "-c", `model_providers.switchyard.base_url=${baseUrl}/v1`,
    "-c", 'model_providers.switchyard.wire_api="responses"',
    "-c", "model_providers.switchyard.env_key=SWITCHYARD_KEY",
    "-m", model,
    "--skip-git-repo-check",
    "--dangerously-bypass-approvals-and-sandbox",
    prompt,
  ];
  return runCli(bin, args, { dir, timeoutMs: 90_000, env: { ...process.env, CODEX_HOME: home, SWITCHYARD_KEY: key, NO_COLOR: "1" } });
}
