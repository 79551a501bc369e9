// Compiles a scenario's `assert` events into ScenarioChecks (runtime/scenario/types.ts): checks on the request
// the client sends next, attached to the response that answers it. Runs after generator/scenario.ts has read
// the timeline, as a second walk over the same YAML, so the response compiler stays unaware of assertions.
//
// An assertion is a mapping of kinds, nested (`fs: { exists: [a] }`) or dotted (`fs.exists: a`), as the format
// writes them. The gateway runs its own `request.*` kinds; the format's kinds for other runners (fs.exists,
// text.contains, …) are accepted and reported as skipped; anything else is warned about with its line, and
// skipped. Regular expressions are checked here and stay source text in the compiled data: the runtime makes
// each a RegExp once, when it loads the scenario, never per request.
import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Node as YamlNode, Pair, YAMLMap } from "yaml";
import type { LineIndex } from "./line-index.ts";
import type { CompiledScenario, RegexSource, ScenarioCheck, TextTest } from "../runtime/scenario/types.ts";
import { withSuggestion } from "./did-you-mean.ts";

/** What this file needs of generator/scenario.ts's reader (structural, so neither file imports the other's class). */
export interface AssertReader {
  report(severity: "error" | "warning", node: YamlNode | null | undefined, pointer: string, message: string, hint?: string): void;
  error(node: YamlNode | null | undefined, pointer: string, message: string, hint?: string): void;
  deref(node: unknown): YamlNode | null;
  keyOf(pair: Pair, pointer: string): string;
  valueOrKey(pair: Pair): YamlNode | null;
}

/** Kinds the gateway checks on the request. */
const REQUEST_KINDS = ["request.lastUserMessage.contains", "request.lastUserMessage.matches", "request.toolResult"] as const;
/** The format's kinds for runners that look at the workspace: accepted, reported as skipped. */
const OTHER_RUNNER_KINDS = ["fs.exists", "fs.notExists", "text.contains", "json.file", "git.commit"] as const;
const KNOWN_KINDS = [...REQUEST_KINDS, ...OTHER_RUNNER_KINDS];
/** Prefixes of kinds: a nested mapping under one of these is read further. */
const NAMESPACES = ["request", "request.lastUserMessage", "fs", "text", "git"] as const;
const TOOL_RESULT_KEYS = ["call", "contains", "matches", "isError"] as const;

/** Timeline events that make a response (generator/scenario.ts: llmResponse and the legacy standalone forms). */
const RESPONSE_EVENTS = ["llmResponse", "think", "assistant", "agentToolUse", "agentEdits"] as const;
/** llmResponse sub-events that are not tool calls; every other sub-event is one. */
const NOT_TOOL_SUB_EVENTS = ["think", "assistant"] as const;

interface ToolRef {
  readonly response: number;
  readonly call: number;
  readonly tool: string;
}

const has = (list: readonly string[], key: string) => list.includes(key);
const segment = (key: string | number) => String(key).replace(/~/g, "~0").replace(/\//g, "~1");

class AssertCompiler {
  /** Checks per response index; index = responses.length holds those after the last response. */
  readonly checks = new Map<number, ScenarioCheck[]>();
  /** The tool calls of each response, in order. */
  private readonly tools: ToolRef[][] = [];
  /** Every node a tool event is written with (item, key, value), for `call: *alias`. */
  private readonly toolNodes = new Map<YamlNode, ToolRef>();

  constructor(
    private readonly reader: AssertReader,
    private readonly lines: LineIndex,
    private readonly file: string,
  ) {}

  walk(timeline: YamlNode) {
    if (!isSeq(timeline)) return;
    timeline.items.forEach((raw, index) => {
      const event = this.reader.deref(raw);
      if (!isMap(event)) return;
      const pointer = `/timeline/${index}`;
      const typePair = event.items.find((item) => keyText(item) === "type");
      if (typePair) {
        // The older `{ type: assert, fs.exists: a }` form: the other keys are the assertion.
        const type = this.reader.deref(typePair.value);
        if (isScalar(type) && type.value === "assert") this.readKinds(event.items.filter((item) => item !== typePair), [], pointer);
        return;
      }
      const responsePair = event.items.find((item) => has(RESPONSE_EVENTS, keyText(item)));
      if (responsePair) {
        this.addResponse(event, responsePair);
        return;
      }
      const assertPair = event.items.find((item) => keyText(item) === "assert");
      if (assertPair) this.readAssert(assertPair, `${pointer}/assert`);
    });
  }

  private addResponse(event: YAMLMap, pair: Pair) {
    const response = this.tools.length;
    const tools: ToolRef[] = [];
    const add = (nodes: Array<YamlNode | null>, tool: string) => {
      const ref: ToolRef = { response, call: tools.length, tool };
      tools.push(ref);
      for (const node of nodes) if (node !== null) this.toolNodes.set(node, ref);
    };
    const key = keyText(pair);
    const value = this.reader.deref(pair.value);
    if (key === "llmResponse") {
      if (isSeq(value)) {
        for (const raw of value.items) {
          const item = this.reader.deref(raw);
          if (!isMap(item) || item.items.length !== 1) continue;
          const sub = item.items[0]!;
          const name = keyText(sub);
          if (name !== "" && !has(NOT_TOOL_SUB_EVENTS, name)) add([item, sub.key as YamlNode, this.reader.deref(sub.value)], toolName(this.reader, name, sub));
        }
      }
    } else if (key === "agentToolUse" || key === "agentEdits") {
      add([event, pair.key as YamlNode, value], toolName(this.reader, key, pair));
    }
    this.tools.push(tools);
  }

  private readAssert(pair: Pair, pointer: string) {
    const value = this.reader.deref(pair.value);
    if (isMap(value)) return this.readKinds(value.items, [], pointer);
    if (isSeq(value) && value.items.length > 0) {
      value.items.forEach((raw, index) => {
        const item = this.reader.deref(raw);
        if (isMap(item)) this.readKinds(item.items, [], `${pointer}/${index}`);
        else this.reader.error(item, `${pointer}/${index}`, "each assertion is a mapping of checks");
      });
      return;
    }
    this.reader.error(this.reader.valueOrKey(pair), pointer, "`assert` must be a mapping of checks, e.g. `request: { lastUserMessage: { contains: \"hello\" } }`");
  }

  /** Reads the kinds in `pairs`, each key a name or a dotted path below `prefix`. */
  private readKinds(pairs: readonly Pair[], prefix: readonly string[], pointer: string) {
    for (const pair of pairs) {
      const key = this.reader.keyOf(pair, pointer);
      if (key === "") continue;
      const at = `${pointer}/${segment(key)}`;
      const path = [...prefix, ...key.split(".")];
      const kind = path.join(".");
      const value = this.reader.deref(pair.value);
      const keyNode = pair.key as YamlNode;
      if (has(OTHER_RUNNER_KINDS, kind) || (kind === "json" && isMap(value))) {
        const named = kind === "json" ? "json.file" : kind;
        this.add({ kind: named, at: this.where(keyNode), check: "skipped", reason: `${named} is checked by the runner that drives the workspace, not by the gateway` });
      } else if (kind === "request.lastUserMessage.contains" || kind === "request.lastUserMessage.matches") {
        for (const [node, text, where] of this.strings(pair, at, kind)) {
          const test = kind.endsWith(".contains") ? { contains: text } : this.regex(node, where, text);
          if (test !== null) this.add({ kind, at: this.where(node), check: "lastUserMessage", test });
        }
      } else if (kind === "request.toolResult") {
        this.readToolResult(pair, at);
      } else if (has(NAMESPACES, kind) && isMap(value)) {
        this.readKinds(value.items, path, at);
      } else if (has(NAMESPACES, kind)) {
        this.reader.error(this.reader.valueOrKey(pair), at, `\`${kind}\` must be a mapping of checks`, `e.g. ${example(kind)}`);
      } else {
        // The format asks runners to warn on kinds they do not know; the report lists it as skipped.
        this.reader.report("warning", keyNode, at, withSuggestion(`unknown assertion kind "${kind}" (skipped)`, kind, [...KNOWN_KINDS, ...NAMESPACES]));
        this.add({ kind, at: this.where(keyNode), check: "skipped", reason: `unknown assertion kind "${kind}"` });
      }
    }
  }

  private readToolResult(pair: Pair, pointer: string) {
    const value = this.reader.deref(pair.value);
    const keyNode = pair.key as YamlNode;
    if (!isMap(value)) {
      this.reader.error(this.reader.valueOrKey(pair), pointer, "`request.toolResult` must be a mapping (call, contains, matches, isError)", "e.g. `toolResult: { call: 0, contains: \"passed\" }`");
      return;
    }
    let ref: ToolRef | null | undefined;
    let callPair: Pair | undefined;
    const tests: TextTest[] = [];
    let isError: boolean | undefined;
    let ok = true;
    for (const item of value.items) {
      const key = this.reader.keyOf(item, pointer);
      const at = `${pointer}/${segment(key)}`;
      if (key === "call") {
        callPair = item;
        ref = this.callRef(item, at);
        if (ref === null) ok = false;
      } else if (key === "contains" || key === "matches") {
        for (const [node, text, where] of this.strings(item, at, `request.toolResult.${key}`)) {
          const test = key === "contains" ? { contains: text } : this.regex(node, where, text);
          if (test === null) ok = false;
          else tests.push(test);
        }
      } else if (key === "isError") {
        const flag = this.reader.deref(item.value);
        if (isScalar(flag) && typeof flag.value === "boolean") isError = flag.value;
        else {
          this.reader.error(this.reader.valueOrKey(item), at, "`isError` must be true or false");
          ok = false;
        }
      } else if (key !== "") {
        this.reader.report("warning", item.key as YamlNode, at, withSuggestion(`unknown toolResult key "${key}" (ignored)`, key, TOOL_RESULT_KEYS));
      }
    }
    if (callPair === undefined) ref = this.defaultCall(keyNode, pointer);
    if (!ok || !ref) return;
    const check: ScenarioCheck = { kind: "request.toolResult", at: this.where(keyNode), check: "toolResult", response: ref.response, call: ref.call, tool: ref.tool, tests };
    this.add(isError === undefined ? check : { ...check, isError });
  }

  /** `call: N` (the previous response's N-th tool call) or `call: *anchor` (a tool event written earlier). */
  private callRef(pair: Pair, pointer: string): ToolRef | null {
    if (isAlias(pair.value)) {
      const target = this.reader.deref(pair.value);
      const ref = target === null ? undefined : this.toolNodes.get(target);
      if (ref !== undefined) return ref;
      this.reader.error(pair.value as unknown as YamlNode, pointer, "this alias does not name a tool event of an earlier llmResponse", "anchor the tool event (`- &build runCmd: …`) and write `call: *build`");
      return null;
    }
    const value = this.reader.deref(pair.value);
    const previous = this.tools.at(-1);
    if (isScalar(value) && typeof value.value === "number" && Number.isInteger(value.value) && value.value >= 0) {
      if (previous === undefined) {
        this.reader.error(value, pointer, "there is no llmResponse before this assert");
        return null;
      }
      const ref = previous[value.value];
      if (ref !== undefined) return ref;
      this.reader.error(value, pointer, `the previous llmResponse has ${previous.length} tool call${previous.length === 1 ? "" : "s"}${names(previous)}: \`call\` counts from 0`);
      return null;
    }
    this.reader.error(this.reader.valueOrKey(pair), pointer, "`call` must be a position (0, 1, …) among the previous llmResponse's tool calls, or an alias (*name) of a tool event");
    return null;
  }

  /** Without `call`: the previous response's only tool call. */
  private defaultCall(node: YamlNode, pointer: string): ToolRef | null {
    const previous = this.tools.at(-1);
    if (previous?.length === 1) return previous[0]!;
    const what = previous === undefined ? "there is no llmResponse before this assert" : `the previous llmResponse has ${previous.length} tool calls${names(previous)}`;
    this.reader.error(node, pointer, `${what}: say which result is meant with \`call: <position>\` or \`call: *alias\``);
    return null;
  }

  /** A string or a non-empty list of strings, each with its node and pointer. */
  private strings(pair: Pair, pointer: string, kind: string): Array<[YamlNode, string, string]> {
    const value = this.reader.deref(pair.value);
    if (isScalar(value) && typeof value.value === "string") return [[value, value.value, pointer]];
    if (isSeq(value) && value.items.length > 0) {
      const out: Array<[YamlNode, string, string]> = [];
      value.items.forEach((raw, index) => {
        const item = this.reader.deref(raw);
        if (isScalar(item) && typeof item.value === "string") out.push([item, item.value, `${pointer}/${index}`]);
        else this.reader.error(item, `${pointer}/${index}`, `\`${kind}\` takes strings (quote numbers and booleans)`);
      });
      return out;
    }
    this.reader.error(this.reader.valueOrKey(pair), pointer, `\`${kind}\` must be a string or a list of strings`);
    return [];
  }

  /** `/source/flags` or a bare source, checked now so a bad one is a line:col error rather than a runtime surprise. */
  private regex(node: YamlNode, pointer: string, text: string): TextTest | null {
    const slashed = /^\/([\s\S]*)\/([a-z]*)$/.exec(text);
    const source: RegexSource = slashed ? { source: slashed[1]!, flags: slashed[2]! } : { source: text, flags: "" };
    if (/[gy]/.test(source.flags)) {
      this.reader.error(node, pointer, "the g and y flags are not allowed: each check tests its text once");
      return null;
    }
    try {
      new RegExp(source.source, source.flags);
    } catch (error) {
      this.reader.error(node, pointer, `invalid regular expression: ${(error as Error).message}`);
      return null;
    }
    return { matches: source };
  }

  private add(check: ScenarioCheck) {
    const response = this.tools.length;
    const list = this.checks.get(response);
    if (list === undefined) this.checks.set(response, [check]);
    else list.push(check);
  }

  private where(node: YamlNode): string {
    return `${this.file}:${node.range ? this.lines.linePos(node.range[0]).line : 0}`;
  }
}

/** A key's text without reporting (the response compiler reports bad keys). */
function keyText(pair: Pair): string {
  return isScalar(pair.key) && (typeof pair.key.value === "string" || typeof pair.key.value === "number") ? String(pair.key.value) : "";
}

/** agentToolUse's `toolName`, else the event's own name. */
function toolName(reader: AssertReader, key: string, pair: Pair): string {
  if (key !== "agentToolUse") return key;
  const value = reader.deref(pair.value);
  const name = isMap(value) ? value.items.find((item) => keyText(item) === "toolName") : undefined;
  const text = name === undefined ? null : reader.deref(name.value);
  return isScalar(text) && typeof text.value === "string" ? text.value : key;
}

function names(tools: readonly ToolRef[]): string {
  return tools.length === 0 ? "" : ` (${tools.map((t) => t.tool).join(", ")})`;
}

function example(kind: string): string {
  if (kind.startsWith("request")) return "`request: { lastUserMessage: { contains: \"hello\" } }`";
  return `\`${kind}: { … }\``;
}

/**
 * Attaches the checks of the timeline's `assert` events to `scenario` (null when the file had errors: the
 * asserts are still read, so their mistakes are reported together with the rest).
 */
export function compileAssertions(reader: AssertReader, lines: LineIndex, file: string, root: YAMLMap, scenario: CompiledScenario | null): CompiledScenario | null {
  const timeline = root.items.find((pair) => keyText(pair) === "timeline");
  if (timeline === undefined) return scenario;
  const compiler = new AssertCompiler(reader, lines, file);
  compiler.walk(reader.deref(timeline.value) as YamlNode);
  if (scenario === null || compiler.checks.size === 0) return scenario;
  const count = scenario.responses.length;
  const responses = scenario.responses.map((response, index) => {
    const checks = compiler.checks.get(index);
    return checks === undefined ? response : { ...response, checks };
  });
  const finalChecks = [...compiler.checks].filter(([index]) => index >= count).flatMap(([, checks]) => checks);
  return finalChecks.length === 0 ? { ...scenario, responses } : { ...scenario, responses, finalChecks };
}
