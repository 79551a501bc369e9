// Writes a Responses API event stream from deltas of another API's stream, in the order OpenAI sends it:
//   response.created, response.in_progress,
//   per output item: output_item.added, then for a message content_part.added, output_text.delta…,
//   output_text.done, content_part.done; for reasoning reasoning_summary_part.added,
//   reasoning_summary_text.delta…, .done, reasoning_summary_part.done; for a function call
//   function_call_arguments.delta…, .done; then output_item.done,
//   and last response.completed (or response.incomplete), whose response holds every item and the usage.
// Every event carries a `sequence_number` counting from 0. One item is open at a time: a delta of another
// kind closes it first, as OpenAI never interleaves items. A late arguments fragment for a function call
// already closed (upstreams do not send them; the rule only keeps the final response whole) is added to
// the item in response.completed without a delta event.
import type {
  OpenAIResponsesFunctionCallOutputItem,
  OpenAIResponsesOutputItem,
  OpenAIResponsesOutputMessage,
  OpenAIResponsesReasoningOutputItem,
  OpenAIResponsesStreamEvent,
  OpenAIResponsesUsage,
} from "../../../generated/types/index.ts";
import { namedEvent } from "../sse.ts";
import { envelope, itemId, type ResponsesState } from "./envelope.ts";

type Open =
  | { kind: "message"; index: number; item: OpenAIResponsesOutputMessage; part: "output_text" | "refusal"; text: string }
  | { kind: "reasoning"; index: number; item: OpenAIResponsesReasoningOutputItem; text: string }
  | { kind: "call"; index: number; item: OpenAIResponsesFunctionCallOutputItem; key: string };

/**
 * The event schema leaves `response`, `item` and `part` as open objects (a $ref cannot cross schema files);
 * they are built here from the response schema's types, which is what this cast admits.
 */
function wire(value: object): { [k: string]: unknown } {
  return value as { [k: string]: unknown };
}

/** Distributes Omit over the event union, so each event is checked against its own shape. */
type Unsequenced<E> = E extends unknown ? Omit<E, "sequence_number"> : never;

export class ResponsesStreamWriter {
  private sequence = 0;
  private started = false;
  private ended = false;
  private open: Exclude<Open, { kind: "call" }> | null = null;
  /** Function calls whose output_item.done has not gone out, in output order. */
  private openCalls: Extract<Open, { kind: "call" }>[] = [];
  readonly output: OpenAIResponsesOutputItem[] = [];
  /** Function call items by the upstream's key for them (index or id), open or closed. */
  private readonly calls = new Map<string, OpenAIResponsesFunctionCallOutputItem>();
  /** Characters of output, for a usage estimate when the upstream reports none. */
  outputChars = 0;

  constructor(private readonly state: ResponsesState) {}

  get isStarted(): boolean {
    return this.started;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get anyCalls(): boolean {
    return this.calls.size > 0;
  }

  private emit(event: Unsequenced<OpenAIResponsesStreamEvent>): string {
    const sequenced = { ...event, sequence_number: this.sequence++ } as OpenAIResponsesStreamEvent;
    return namedEvent(sequenced.type, sequenced);
  }

  /** response.created and response.in_progress, once. */
  start(): string {
    if (this.started) return "";
    this.started = true;
    const response = envelope(this.state, "in_progress", [], null);
    return this.emit({ type: "response.created", response: wire(response) }) + this.emit({ type: "response.in_progress", response: wire(response) });
  }

  text(delta: string): string {
    return this.messageDelta("output_text", delta);
  }

  refusal(delta: string): string {
    return this.messageDelta("refusal", delta);
  }

  private messageDelta(part: "output_text" | "refusal", delta: string): string {
    if (delta === "" || this.ended) return "";
    this.outputChars += delta.length;
    let out = this.start();
    let open = this.open;
    if (open === null || open.kind !== "message" || open.part !== part) {
      out += this.close() + this.closeCalls();
      const index = this.output.length;
      const item: OpenAIResponsesOutputMessage = { type: "message", id: itemId(this.state, "msg", index), role: "assistant", status: "in_progress", content: [] };
      this.output.push(item);
      open = { kind: "message", index, item, part, text: "" };
      this.open = open;
      const empty = part === "output_text" ? { type: "output_text" as const, text: "", annotations: [] } : { type: "refusal" as const, refusal: "" };
      out += this.emit({ type: "response.output_item.added", output_index: index, item: { ...item, content: [] } });
      out += this.emit({ type: "response.content_part.added", item_id: item.id, output_index: index, content_index: 0, part: empty });
    }
    open.text += delta;
    const where = { item_id: open.item.id, output_index: open.index, content_index: 0 };
    return out + (part === "output_text" ? this.emit({ type: "response.output_text.delta", ...where, delta, logprobs: [] }) : this.emit({ type: "response.refusal.delta", ...where, delta }));
  }

  reasoning(delta: string): string {
    if (delta === "" || this.ended) return "";
    this.outputChars += delta.length;
    let out = this.start();
    let open = this.open;
    if (open === null || open.kind !== "reasoning") {
      out += this.close() + this.closeCalls();
      open = this.openReasoning();
      out += this.emit({ type: "response.output_item.added", output_index: open.index, item: { ...open.item, summary: [] } });
      out += this.emit({ type: "response.reasoning_summary_part.added", item_id: open.item.id, output_index: open.index, summary_index: 0, part: { type: "summary_text", text: "" } });
    }
    open.text += delta;
    return out + this.emit({ type: "response.reasoning_summary_text.delta", item_id: open.item.id, output_index: open.index, summary_index: 0, delta });
  }

  private openReasoning(): Extract<Open, { kind: "reasoning" }> {
    const index = this.output.length;
    const item: OpenAIResponsesReasoningOutputItem = { type: "reasoning", id: itemId(this.state, "rs", index), summary: [] };
    this.output.push(item);
    const open = { kind: "reasoning" as const, index, item, text: "" };
    this.open = open;
    return open;
  }

  /**
   * A whole thinking block's opaque part (an Anthropic signature, or a redacted block): the current reasoning
   * item's `encrypted_content`, or a reasoning item of its own when no text came before it. Only when the
   * client asked for reasoning.encrypted_content; the item is closed, since a block ends with it.
   */
  encrypted(content: string, text: string): string {
    if (this.ended || !this.state.echo.encryptedReasoning) return "";
    let out = this.start();
    let open = this.open;
    if (open === null || open.kind !== "reasoning" || open.item.encrypted_content != null) {
      out += this.close() + this.closeCalls();
      open = this.openReasoning();
      open.text = text;
      out += this.emit({ type: "response.output_item.added", output_index: open.index, item: { ...open.item, summary: [] } });
      if (text !== "") {
        const where = { item_id: open.item.id, output_index: open.index, summary_index: 0 };
        out += this.emit({ type: "response.reasoning_summary_part.added", ...where, part: { type: "summary_text", text: "" } });
        out += this.emit({ type: "response.reasoning_summary_text.delta", ...where, delta: text });
      }
    }
    open.item.encrypted_content = content;
    return out + this.close();
  }

  /** A function call begins; `key` is how the upstream names it in later fragments. */
  toolStart(key: string, callId: string, name: string): string {
    if (this.ended) return "";
    let out = this.start() + this.close();
    const index = this.output.length;
    const item: OpenAIResponsesFunctionCallOutputItem = { type: "function_call", id: itemId(this.state, "fc", index), call_id: callId, name, arguments: "", status: "in_progress" };
    this.output.push(item);
    this.calls.set(key, item);
    this.openCalls.push({ kind: "call", index, item, key });
    this.outputChars += name.length;
    out += this.emit({ type: "response.output_item.added", output_index: index, item: { ...item } });
    return out;
  }

  hasCall(key: string): boolean {
    return this.calls.has(key);
  }

  toolArgs(key: string, delta: string): string {
    const item = this.calls.get(key);
    if (item === undefined || delta === "" || this.ended) return "";
    item.arguments += delta;
    this.outputChars += delta.length;
    const open = this.openCalls.find((c) => c.key === key);
    if (open === undefined) return ""; // closed already: the fragment only completes response.completed's item
    return this.emit({ type: "response.function_call_arguments.delta", item_id: item.id, output_index: open.index, delta });
  }

  /** The open function calls' closing events, in output order. */
  private closeCalls(): string {
    let out = "";
    for (const call of this.openCalls) out += this.closeItem(call);
    this.openCalls = [];
    return out;
  }

  /** The open message or reasoning item's closing events. */
  private close(incomplete = false): string {
    const open = this.open;
    if (open === null) return "";
    this.open = null;
    return this.closeItem(open, incomplete);
  }

  private closeItem(open: Open, incomplete = false): string {
    let out = "";
    switch (open.kind) {
      case "message": {
        const where = { item_id: open.item.id, output_index: open.index, content_index: 0 };
        if (open.part === "output_text") {
          const part = { type: "output_text" as const, text: open.text, annotations: [] };
          out += this.emit({ type: "response.output_text.done", ...where, text: open.text, logprobs: [] });
          out += this.emit({ type: "response.content_part.done", ...where, part });
          open.item.content = [part];
        } else {
          const part = { type: "refusal" as const, refusal: open.text };
          out += this.emit({ type: "response.refusal.done", ...where, refusal: open.text });
          out += this.emit({ type: "response.content_part.done", ...where, part });
          open.item.content = [part];
        }
        open.item.status = incomplete ? "incomplete" : "completed";
        break;
      }
      case "reasoning": {
        if (open.text !== "") {
          const where = { item_id: open.item.id, output_index: open.index, summary_index: 0 };
          const part = { type: "summary_text" as const, text: open.text };
          out += this.emit({ type: "response.reasoning_summary_text.done", ...where, text: open.text });
          out += this.emit({ type: "response.reasoning_summary_part.done", ...where, part });
          open.item.summary = [part];
        }
        break;
      }
      case "call": {
        out += this.emit({ type: "response.function_call_arguments.done", item_id: open.item.id, output_index: open.index, arguments: open.item.arguments, name: open.item.name });
        open.item.status = "completed";
        break;
      }
    }
    return out + this.emit({ type: "response.output_item.done", output_index: open.index, item: wire(structuredClone(open.item)) });
  }

  /** Closes the open item and ends the stream: response.completed, or response.incomplete with its reason. */
  finish(usage: OpenAIResponsesUsage, incomplete: "max_output_tokens" | "content_filter" | null): string {
    if (this.ended) return "";
    let out = this.start() + this.close(incomplete !== null) + this.closeCalls();
    this.ended = true;
    const response = envelope(this.state, incomplete === null ? "completed" : "incomplete", this.output, usage, incomplete);
    out += incomplete === null ? this.emit({ type: "response.completed", response: wire(response) }) : this.emit({ type: "response.incomplete", response: wire(response) });
    return out;
  }

  /** An error from the upstream mid-stream: the `error` event, then response.failed; nothing follows. */
  fail(code: string, message: string): string {
    if (this.ended) return "";
    let out = this.start();
    this.open = null;
    this.openCalls = [];
    this.ended = true;
    out += this.emit({ type: "error", code, message, param: null });
    out += this.emit({ type: "response.failed", response: wire(envelope(this.state, "failed", this.output, null, null, { code, message })) });
    return out;
  }
}
