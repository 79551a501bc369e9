// What every real-client test shares: the fixture gateway (test/clients/clients.routes.yaml) with client
// keys required, as a team runs it, in front of one OpenAI-format and one Anthropic-format loopback mock
// that play a tool loop: asked with tools, they call the first tool; given its result, they answer with it.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type Behaviour, type MockUpstream, type RecordedRequest } from "../support/mock-upstream.ts";

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
