// Compiles a Scenario-Format file (see /work/shared/scenario-format.md) into the `CompiledScenario` data the
// runtime plays back. The runtime never sees YAML: the bundle holds the result as a plain constant, so every
// shape check happens here, once, and is reported with the file's line:col like any routes.yaml mistake.
//
// Only what a gateway can answer with is kept: each `llmResponse` (or legacy standalone `think`, `assistant`,
// `agentToolUse`, `agentEdits`) becomes one ScenarioResponse. Events for other harnesses (user input, screenshots,
// asserts) are accepted and skipped, but their time is kept: `advanceMs` and the harness events written between
// two responses become the later one's `waitMs`. Named tool events keep their event name, arguments and
// file:line; the runtime's tools profiles (runtime/scenario/profiles/) turn them into the client's own tools.
import { isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node as YamlNode, Pair, YAMLMap } from "yaml";
import { NAMED_TOOL_EVENT_ARGS, NAMED_TOOL_EVENTS } from "../runtime/scenario/profiles/events.ts";
import type { CompiledScenario, ScenarioPart, ScenarioResponse, TimedText, ToolsProfileSetting } from "../runtime/scenario/types.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { LineIndex } from "./line-index.ts";
import { withSuggestion } from "./did-you-mean.ts";
import { compileAssertions } from "./scenario-assert.ts";
import { RECORDED_KEY, withRecorded } from "./scenario-recorded.ts";

export interface ScenarioCompileResult {
  /** Null when any error was reported (warnings alone keep the scenario). */
  scenario: CompiledScenario | null;
  diagnostics: Diagnostic[];
}

const TOP_LEVEL_KEYS = ["name", "tags", "server", "timeline"] as const;
/** Top-level keys that belong to other runners: accepted silently. */
const OTHER_RUNNER_KEYS = ["repo", "ah", "terminalRef", "compat", "expect"] as const;
const SERVER_KEYS = ["llmApiStyle", "coalesceThinkingWithToolUse", "toolsProfile", "strict"] as const;
const API_STYLES = ["openai", "anthropic"] as const;
const TOOLS_PROFILES = ["auto", "claude-code", "codex", "openai-generic"] as const;
const RESPONSE_SUB_EVENTS = ["think", "assistant", "agentToolUse", ...NAMED_TOOL_EVENTS] as const;
/** Standalone at the top of the timeline, each is a one-element llmResponse (the format's legacy form). */
const LEGACY_RESPONSE_EVENTS = ["think", "assistant", "agentToolUse", "agentEdits"] as const;
/** Events for terminal/web UI harnesses: the gateway skips them. */
const HARNESS_EVENTS = ["advanceMs", "userInputs", "userEdits", "userCommand", "screenshot", "complete", "merge", "assert"] as const;
const TIMELINE_EVENTS = ["llmResponse", ...LEGACY_RESPONSE_EVENTS, ...HARNESS_EVENTS] as const;
/** agentToolUse fields that describe the harness's side of the tool run, not the call the model makes. */
const AGENT_TOOL_USE_KEYS = ["toolName", "args", "result", "status", "progress"] as const;
/** Keys an event item may hold besides its event key (`- userInputs: [...]\n  target: tui`). */
/** `recorded:` beside an llmResponse is a recording's exact bytes (generator/scenario-recorded.ts). */
const EVENT_EXTRA_KEYS: Readonly<Record<string, readonly string[]>> = { userInputs: ["target"], llmResponse: [RECORDED_KEY] };
/** Fields of the older `{ type: … }` forms this compiler reads; other harness events' fields are not checked. */
const TYPED_EVENT_KEYS: Readonly<Record<string, readonly string[]>> = { advanceMs: ["ms"], userInputs: ["inputs", "target"], screenshot: ["name"] };

/** What `server:` sets for playback. */
interface ServerSettings {
  coalesceThinkingWithToolUse?: boolean;
  toolsProfile?: ToolsProfileSetting;
  strict?: boolean;
}

/** Scenario time a skipped event lets pass: `advanceMs` covers everything running alongside it. */
interface EventTime {
  advanceMs: number;
  /** The event's own duration (user input typed over its `[ms, text]` pairs). */
  ownMs: number;
}

const has = (list: readonly string[], key: string) => list.includes(key);

/** RFC 6901 escaping for one pointer segment. */
const segment = (key: string | number) => String(key).replace(/~/g, "~0").replace(/\//g, "~1");

class ScenarioReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineIndex,
    private readonly source: string,
  ) {}

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === "error");
  }

  report(severity: "error" | "warning", node: YamlNode | null | undefined, pointer: string, message: string, hint?: string) {
    const range = node?.range;
    this.reportAt(severity, range ? [range[0], range[1]] : [0, 0], pointer, message, hint);
  }

  reportAt(severity: "error" | "warning", [start, end]: [number, number], pointer: string, message: string, hint?: string) {
    const { line, col } = this.lines.linePos(start);
    const diagnostic: Diagnostic = { file: this.file, line, col, code: "scenario-error", pointer, message, severity };
    // Underline only single-line nodes: a caret run across lines would point at nothing useful.
    const stop = this.lines.linePos(end);
    if (end > start && stop.line === line) diagnostic.endCol = stop.col;
    if (hint !== undefined) diagnostic.hint = hint;
    this.diagnostics.push(diagnostic);
  }

  error(node: YamlNode | null | undefined, pointer: string, message: string, hint?: string) {
    this.report("error", node, pointer, message, hint);
  }

  /** Follows `*alias` references so every check sees the anchored node. */
  deref(node: unknown): YamlNode | null {
    if (isAlias(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? null;
    return (node as YamlNode | null) ?? null;
  }

  /** A pair's key text; non-scalar keys (`? [a, b]`) are reported and read as "". */
  keyOf(pair: Pair, pointer: string): string {
    const key = pair.key as YamlNode | null;
    if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number")) return String(key.value);
    this.error(key, pointer, "keys must be plain strings");
    return "";
  }

  /** The value node of a pair, or the key when the value is missing (`assistant:` alone), for positions. */
  valueOrKey(pair: Pair): YamlNode | null {
    return this.deref(pair.value) ?? (pair.key as YamlNode | null);
  }

  toJS(node: YamlNode | null): unknown {
    return node === null ? null : node.toJS(this.doc);
  }

  /** `file:line` of a node, as strict-mode errors name an event. */
  at(node: YamlNode | null | undefined): string {
    return `${this.source}:${this.lines.linePos(node?.range?.[0] ?? 0).line}`;
  }
}

/**
 * Compiles one scenario file. `file` names it in diagnostics; `text` is its content; `source` names it in the
 * compiled data (the `file:line` of strict-mode errors, default `file`): the build passes the path as written
 * in routes.yaml, so the bundle does not depend on the folder the build ran in.
 * Every problem is collected, so one run reports them all.
 */
export function compileScenario(file: string, text: string, options: { source?: string } = {}): ScenarioCompileResult {
  // Positions come from the text (LineIndex), not from the yaml parser's LineCounter: see line-index.ts.
  const lines = new LineIndex(text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const reader = new ScenarioReader(file, doc, lines, options.source ?? file);
  for (const problem of doc.errors) reader.reportAt("error", problem.pos, "", firstLine(problem.message));
  for (const problem of doc.warnings) reader.reportAt("warning", problem.pos, "", firstLine(problem.message));
  if (reader.failed) return { scenario: null, diagnostics: reader.diagnostics };

  const root = reader.deref(doc.contents);
  if (!isMap(root)) {
    reader.error(root, "", "a scenario file is a mapping with `name` and `timeline` keys");
    return { scenario: null, diagnostics: reader.diagnostics };
  }
  const scenario = readRoot(reader, root, file);
  // `assert` events: checks on the request each response answers (generator/scenario-assert.ts).
  const checked = compileAssertions(reader, lines, file, root, reader.failed ? null : scenario);
  return { scenario: reader.failed ? null : checked, diagnostics: reader.diagnostics };
}

function firstLine(message: string): string {
  return message.split("\n", 1)[0]!.replace(/:$/, "");
}

function readRoot(reader: ScenarioReader, root: YAMLMap, file: string): CompiledScenario {
  let name = file.replace(/^.*[\\/]/, "").replace(/\.ya?ml$/i, "");
  let responses: ScenarioResponse[] = [];
  let server: ServerSettings = {};
  let timelineSeen = false;
  for (const pair of root.items) {
    const key = reader.keyOf(pair, "");
    const pointer = `/${segment(key)}`;
    const value = reader.deref(pair.value);
    switch (key) {
      case "name":
        if (isScalar(value) && typeof value.value === "string" && value.value !== "") name = value.value;
        else reader.error(reader.valueOrKey(pair), pointer, "`name` must be a non-empty string");
        break;
      case "tags":
        if (!isSeq(value) || !value.items.every((item) => isString(reader.deref(item)))) {
          reader.error(reader.valueOrKey(pair), pointer, "`tags` must be a list of strings");
        }
        break;
      case "server":
        server = readServer(reader, value, pair, pointer);
        break;
      case "timeline":
        timelineSeen = true;
        responses = readTimeline(reader, value, pair, pointer);
        break;
      default:
        if (key !== "" && !has(OTHER_RUNNER_KEYS, key)) {
          reader.report("warning", pair.key as YamlNode, pointer, withSuggestion(`unknown top-level key "${key}" (ignored)`, key, TOP_LEVEL_KEYS));
        }
    }
  }
  if (!timelineSeen) reader.error(root, "", "missing `timeline`: a scenario needs at least one `llmResponse`");
  const scenario: { -readonly [K in keyof CompiledScenario]: CompiledScenario[K] } = { name, responses };
  if (server.coalesceThinkingWithToolUse === false) {
    const split = splitThinking(responses);
    if (split.length !== responses.length) scenario.anthropicResponses = split;
  }
  if (server.toolsProfile !== undefined) scenario.toolsProfile = server.toolsProfile;
  if (server.strict !== undefined) scenario.strict = server.strict;
  return scenario;
}

/**
 * `coalesceThinkingWithToolUse: false`: a response with both thinking and tool calls is played to Anthropic
 * clients as two messages, each answering one request: its thinking alone, then everything else. (True, the
 * default, keeps thinking in the tool_use message, as Claude sends it.) OpenAI clients never see thinking, so
 * their responses stay whole and the two APIs' turn counts differ only where a split happened.
 */
function splitThinking(responses: readonly ScenarioResponse[]): ScenarioResponse[] {
  return responses.flatMap((response) => {
    const thinking = response.parts.filter((part) => part.type === "think");
    if (thinking.length === 0 || !response.parts.some((part) => part.type === "tool")) return [response];
    const first: ScenarioResponse = response.waitMs !== undefined ? { parts: thinking, waitMs: response.waitMs } : { parts: thinking };
    return [first, { parts: response.parts.filter((part) => part.type !== "think") }];
  });
}

function readServer(reader: ScenarioReader, value: YamlNode | null, pair: Pair, pointer: string): ServerSettings {
  const settings: ServerSettings = {};
  if (value === null || (isScalar(value) && value.value === null)) return settings;
  if (!isMap(value)) {
    reader.error(reader.valueOrKey(pair), pointer, "`server` must be a mapping (llmApiStyle, coalesceThinkingWithToolUse, toolsProfile, strict)");
    return settings;
  }
  for (const item of value.items) {
    const key = reader.keyOf(item, pointer);
    const at = `${pointer}/${segment(key)}`;
    const v = reader.deref(item.value);
    const scalar = isScalar(v) ? v.value : undefined;
    if (key === "llmApiStyle") {
      // Accepted for compatibility: the gateway always answers in the API the client speaks.
      if (typeof scalar !== "string" || !has(API_STYLES, scalar)) {
        const message = `\`llmApiStyle\` must be "openai" or "anthropic"`;
        reader.error(reader.valueOrKey(item), at, typeof scalar === "string" ? withSuggestion(message, scalar, API_STYLES) : message);
      }
    } else if (key === "coalesceThinkingWithToolUse" || key === "strict") {
      if (typeof scalar !== "boolean") reader.error(reader.valueOrKey(item), at, `\`${key}\` must be true or false`);
      else settings[key] = scalar;
    } else if (key === "toolsProfile") {
      if (typeof scalar === "string" && has(TOOLS_PROFILES, scalar)) settings.toolsProfile = scalar as ToolsProfileSetting;
      else {
        const message = `\`toolsProfile\` must be one of ${TOOLS_PROFILES.map((p) => `"${p}"`).join(", ")}`;
        reader.error(reader.valueOrKey(item), at, typeof scalar === "string" ? withSuggestion(message, scalar, TOOLS_PROFILES) : message);
      }
    } else if (key !== "") {
      reader.report("warning", item.key as YamlNode, at, withSuggestion(`unknown server key "${key}" (ignored)`, key, SERVER_KEYS));
    }
  }
  return settings;
}

function readTimeline(reader: ScenarioReader, value: YamlNode | null, pair: Pair, pointer: string): ScenarioResponse[] {
  if (!isSeq(value)) {
    reader.error(reader.valueOrKey(pair), pointer, "`timeline` must be a list of events");
    return [];
  }
  const responses: ScenarioResponse[] = [];
  // Time between two responses: the advanceMs written there, or the harness events' own time if longer
  // (advanceMs is meant to cover what runs alongside it, so the two are not added up).
  let advanceMs = 0;
  let ownMs = 0;
  value.items.forEach((raw, index) => {
    const event = readEvent(reader, reader.deref(raw), `${pointer}/${index}`);
    if (event === null) return;
    if ("parts" in event) {
      const waitMs = Math.max(advanceMs, ownMs);
      responses.push(waitMs > 0 ? { ...event, waitMs } : event);
      advanceMs = 0;
      ownMs = 0;
    } else {
      advanceMs += event.advanceMs;
      ownMs += event.ownMs;
    }
  });
  if (responses.length === 0 && !reader.failed) {
    reader.error(pair.key as YamlNode, pointer, "the timeline yields no responses: add an `llmResponse` (or a standalone `assistant`)");
  }
  return responses;
}

/** One timeline event: a response for `llmResponse` and the legacy forms, the time a harness event takes, or null. */
function readEvent(reader: ScenarioReader, event: YamlNode | null, pointer: string): ScenarioResponse | EventTime | null {
  if (!isMap(event) || event.items.length === 0) {
    reader.error(event, pointer, "a timeline event is a mapping such as `llmResponse: [...]` or `advanceMs: 100`");
    return null;
  }
  const typePair = event.items.find((item) => isScalar(item.key) && item.key.value === "type");
  if (typePair) return readTypedEvent(reader, event, typePair, pointer);

  const eventPairs = event.items.filter((item) => isScalar(item.key) && has(TIMELINE_EVENTS, String(item.key.value)));
  if (eventPairs.length === 0) {
    // Forward compatible, as the format asks of runners: warn and skip what this version does not know.
    const first = event.items[0]!;
    const key = reader.keyOf(first, pointer);
    reader.report("warning", first.key as YamlNode, `${pointer}/${segment(key)}`, withSuggestion(`unknown timeline event "${key}" (skipped)`, key, TIMELINE_EVENTS));
    return null;
  }
  if (eventPairs.length > 1) {
    const second = eventPairs[1]!;
    reader.error(second.key as YamlNode, `${pointer}/${segment(String((second.key as { value: unknown }).value))}`, "one event per timeline item: start a new `- ` item for this one");
    return null;
  }
  const eventPair = eventPairs[0]!;
  const key = String((eventPair.key as { value: unknown }).value);
  const at = `${pointer}/${segment(key)}`;
  // `assert` items carry their own fields (checked where assertions are compiled).
  if (key !== "assert") warnExtraKeys(reader, event.items, [key, ...(EVENT_EXTRA_KEYS[key] ?? [])], pointer, `beside \`${key}\``);
  if (key === "llmResponse") return withRecorded(reader, event, readLlmResponse(reader, eventPair, at), pointer);
  if (has(LEGACY_RESPONSE_EVENTS, key)) {
    const part = readSubEvent(reader, key, eventPair, at);
    return part ? { parts: [part] } : null;
  }
  if (key === "advanceMs") return { advanceMs: readAdvance(reader, eventPair, at), ownMs: 0 };
  if (key === "userInputs") return { advanceMs: 0, ownMs: readInputsTime(reader, eventPair, at) };
  return { advanceMs: 0, ownMs: 0 };
}

/** `where` completes "unknown key \"x\" …": `beside `advanceMs``, `in `runCmd``. */
function warnExtraKeys(reader: ScenarioReader, items: readonly Pair[], allowed: readonly string[], pointer: string, where: string) {
  for (const item of items) {
    const key = isScalar(item.key) ? String(item.key.value) : "";
    if (key === "" || has(allowed, key)) continue;
    reader.report("warning", item.key as YamlNode, `${pointer}/${segment(key)}`, withSuggestion(`unknown key "${key}" ${where} (ignored)`, key, allowed));
  }
}

function readAdvance(reader: ScenarioReader, pair: Pair, at: string): number {
  const ms = reader.deref(pair.value);
  if (isScalar(ms) && isNonNegative(ms.value)) return ms.value as number;
  reader.error(reader.valueOrKey(pair), at, "`advanceMs` must be a non-negative number of milliseconds");
  return 0;
}

/** `userInputs: [[ms, text], ...]` takes the sum of its milliseconds; another shape is warned about and takes none. */
function readInputsTime(reader: ScenarioReader, pair: Pair, at: string): number {
  const list = reader.deref(pair.value);
  let total = 0;
  const ok =
    isSeq(list) &&
    list.items.every((raw) => {
      const item = reader.deref(raw);
      const ms = isSeq(item) && item.items.length === 2 ? reader.deref(item.items[0]) : null;
      if (!isScalar(ms) || !isNonNegative(ms.value)) return false;
      total += ms.value as number;
      return true;
    });
  if (ok) return total;
  reader.report("warning", reader.valueOrKey(pair), at, "`userInputs` should be a list of [ms, text] pairs: its time is not counted");
  return 0;
}

/** The older `{ type: advanceMs, ms: 50 }` form, used only for harness events. */
function readTypedEvent(reader: ScenarioReader, event: YAMLMap, typePair: Pair, pointer: string): EventTime | null {
  const type = reader.deref(typePair.value);
  const at = `${pointer}/type`;
  if (!isScalar(type) || typeof type.value !== "string") {
    reader.error(reader.valueOrKey(typePair), at, "`type` must name an event, e.g. `type: advanceMs`");
  } else if (type.value === "llmResponse" || has(RESPONSE_SUB_EVENTS, type.value)) {
    reader.error(type, at, `the \`type:\` form is only for harness events: write \`${type.value}: ...\` instead`);
  } else if (!has(HARNESS_EVENTS, type.value)) {
    reader.report("warning", type, at, withSuggestion(`unknown timeline event "${type.value}" (skipped)`, type.value, HARNESS_EVENTS));
  } else {
    const fields = TYPED_EVENT_KEYS[type.value];
    if (fields !== undefined) warnExtraKeys(reader, event.items, ["type", ...fields], pointer, `in \`type: ${type.value}\``);
    const field = (name: string) => event.items.find((item) => isScalar(item.key) && item.key.value === name);
    if (type.value === "advanceMs") {
      const ms = field("ms");
      if (ms === undefined) reader.error(type, at, "`type: advanceMs` needs `ms`, e.g. `{ type: advanceMs, ms: 50 }`");
      else return { advanceMs: readAdvance(reader, ms, `${pointer}/ms`), ownMs: 0 };
    } else if (type.value === "userInputs") {
      const inputs = field("inputs");
      if (inputs !== undefined) return { advanceMs: 0, ownMs: readInputsTime(reader, inputs, `${pointer}/inputs`) };
    }
    return { advanceMs: 0, ownMs: 0 };
  }
  return null;
}

function readLlmResponse(reader: ScenarioReader, pair: Pair, pointer: string): ScenarioResponse | null {
  const list = reader.deref(pair.value);
  if (!isSeq(list) || list.items.length === 0) {
    reader.error(reader.valueOrKey(pair), pointer, "`llmResponse` must be a non-empty list of sub-events (think, assistant, agentToolUse, runCmd, ...)");
    return null;
  }
  const parts: ScenarioPart[] = [];
  list.items.forEach((raw, index) => {
    const at = `${pointer}/${index}`;
    const item = reader.deref(raw);
    if (!isMap(item) || item.items.length !== 1) {
      reader.error(item, at, "each `llmResponse` entry is a mapping with exactly one sub-event, e.g. `- assistant: [[300, \"Hi\"]]`");
      return;
    }
    const subPair = item.items[0]!;
    const key = reader.keyOf(subPair, at);
    if (key === "") return;
    if (!has(RESPONSE_SUB_EVENTS, key)) {
      reader.error(subPair.key as YamlNode, `${at}/${segment(key)}`, withSuggestion(`unknown llmResponse sub-event "${key}"`, key, RESPONSE_SUB_EVENTS));
      return;
    }
    const part = readSubEvent(reader, key, subPair, `${at}/${segment(key)}`);
    if (part) parts.push(part);
  });
  return parts.length === list.items.length ? { parts } : null;
}

function readSubEvent(reader: ScenarioReader, key: string, pair: Pair, pointer: string): ScenarioPart | null {
  if (key === "think" || key === "assistant") {
    const chunks = readTimedTexts(reader, pair, pointer, key);
    return chunks ? { type: key === "think" ? "think" : "text", chunks } : null;
  }
  if (key === "agentToolUse") return readAgentToolUse(reader, pair, pointer);
  return readNamedTool(reader, key as keyof typeof NAMED_TOOL_EVENT_ARGS, pair, pointer);
}

/**
 * A named tool event: its fields are the call's arguments, in the format's words (runtime/scenario/profiles/
 * events.ts); the runtime maps them to the client's tool. A missing required argument is an error, an unknown
 * one a warning, and left out of the call.
 */
function readNamedTool(reader: ScenarioReader, key: keyof typeof NAMED_TOOL_EVENT_ARGS, pair: Pair, pointer: string): ScenarioPart | null {
  const spec = NAMED_TOOL_EVENT_ARGS[key];
  const known = [...spec.required, ...spec.optional];
  const value = reader.deref(pair.value);
  const empty = value === null || (isScalar(value) && value.value === null);
  if (!empty && !isMap(value)) {
    reader.error(reader.valueOrKey(pair), pointer, `\`${key}\` must be a mapping of the tool's arguments (${known.join(", ")})`);
    return null;
  }
  const items = isMap(value) ? value.items : [];
  warnExtraKeys(reader, items, known, pointer, `in \`${key}\``);
  const given = items.map((item) => (isScalar(item.key) ? String(item.key.value) : ""));
  const missing = spec.required.filter((name) => !given.includes(name));
  if (missing.length > 0) {
    reader.error(reader.valueOrKey(pair), pointer, `\`${key}\` needs ${missing.map((m) => `\`${m}\``).join(" and ")} (arguments: ${known.join(", ")})`);
    return null;
  }
  // Unknown arguments were warned about and are left out, whichever tool the call becomes.
  const written = isMap(value) ? (reader.toJS(value) as Record<string, unknown>) : {};
  const input: Record<string, unknown> = {};
  for (const name in written) if (known.includes(name)) input[name] = written[name];
  return { type: "tool", name: key, input, delayMs: 0, event: key, at: reader.at(pair.key as YamlNode) };
}

function readAgentToolUse(reader: ScenarioReader, pair: Pair, pointer: string): ScenarioPart | null {
  const value = reader.deref(pair.value);
  if (!isMap(value)) {
    reader.error(reader.valueOrKey(pair), pointer, "`agentToolUse` must be a mapping with `toolName` and `args`");
    return null;
  }
  let name: string | null = null;
  let input: Record<string, unknown> = {};
  let ok = true;
  for (const item of value.items) {
    const key = reader.keyOf(item, pointer);
    const at = `${pointer}/${segment(key)}`;
    const v = reader.deref(item.value);
    if (key === "toolName") {
      if (isScalar(v) && typeof v.value === "string" && v.value !== "") name = v.value;
      else {
        reader.error(reader.valueOrKey(item), at, "`toolName` must be a non-empty string");
        ok = false;
      }
    } else if (key === "args") {
      if (isMap(v)) input = reader.toJS(v) as Record<string, unknown>;
      else if (!(v === null || (isScalar(v) && v.value === null))) {
        reader.error(reader.valueOrKey(item), at, "`args` must be a mapping (the tool's input object)");
        ok = false;
      }
    } else if (key !== "" && !has(AGENT_TOOL_USE_KEYS, key)) {
      reader.report("warning", item.key as YamlNode, at, withSuggestion(`unknown agentToolUse key "${key}" (ignored)`, key, AGENT_TOOL_USE_KEYS));
    }
  }
  if (name === null && ok) {
    reader.error(value, pointer, "`agentToolUse` needs a `toolName`");
    ok = false;
  }
  return ok && name !== null ? { type: "tool", name, input, delayMs: 0, at: reader.at(pair.key as YamlNode) } : null;
}

/** `[[ms, text], ...]`: each pair a non-negative millisecond count and a string. */
function readTimedTexts(reader: ScenarioReader, pair: Pair, pointer: string, key: string): TimedText[] | null {
  const list = reader.deref(pair.value);
  const shape = `\`${key}\` must be a list of [ms, text] pairs, e.g. \`${key}: [[400, "Hello"]]\``;
  if (!isSeq(list) || list.items.length === 0) {
    reader.error(reader.valueOrKey(pair), pointer, shape);
    return null;
  }
  const chunks: TimedText[] = [];
  list.items.forEach((raw, index) => {
    const at = `${pointer}/${index}`;
    const item = reader.deref(raw);
    if (!isSeq(item) || item.items.length !== 2) {
      reader.error(item, at, shape);
      return;
    }
    const ms = reader.deref(item.items[0]);
    const text = reader.deref(item.items[1]);
    if (!isScalar(ms) || !isNonNegative(ms.value)) {
      reader.error(ms, `${at}/0`, "milliseconds must be a non-negative number");
      return;
    }
    if (!isScalar(text) || typeof text.value !== "string") {
      reader.error(text, `${at}/1`, "the text must be a string (quote it if it looks like a number or boolean)");
      return;
    }
    chunks.push([ms.value as number, text.value]);
  });
  return chunks.length === list.items.length ? chunks : null;
}

function isString(node: YamlNode | null): boolean {
  return isScalar(node) && typeof node.value === "string";
}

function isNonNegative(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
