// The client's content blocks, in Anthropic's order: indices 0, 1, 2, ..., one block open at a time, each
// content_block_start closed by its content_block_stop before the next starts.
//
// OpenAI may interleave the argument fragments of parallel tool calls (or send every call's header before
// any arguments), which a one-block-at-a-time stream cannot follow. So a tool block is closed early only
// when its arguments already parse as complete JSON; until then whatever arrives for later blocks (other
// calls, text, thinking) waits in a queue, in arrival order, and is written out as soon as the open call
// completes, or at the end of the stream. Sequential calls, the common case, stream without delay, and no
// argument fragment is ever lost.
import type {
  AnthropicContentBlockDeltaEvent,
  AnthropicContentBlockStartEvent,
  AnthropicContentBlockStopEvent,
} from "../../../generated/types/index.ts";
import { namedEvent } from "../sse.ts";
import { clientToolName } from "../tool-names.ts";
import type { ToolCall } from "./tool-calls.ts";

type TextKind = "text" | "thinking";
type Pending = { kind: TextKind; text: string } | { kind: "tool"; call: ToolCall };
type Open = { kind: TextKind; index: number } | { kind: "tool"; index: number; call: ToolCall };

/** Complete arguments: JSON that parses. Checks the last character first, so most fragments cost nothing. */
function isComplete(args: string): boolean {
  const trimmed = args.trimEnd();
  if (!trimmed.endsWith("}") && !trimmed.endsWith("]")) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

export class ContentBlocks {
  private next = 0;
  private open: Open | undefined;
  private readonly queue: Pending[] = [];
  /** Characters of output written, for an output estimate when the upstream reports no usage. */
  outputChars = 0;

  constructor(private readonly toolNames: ReadonlyMap<string, string>) {}

  /** A text or thinking fragment: continues the open block of that kind, or starts one. Never opens a block for "". */
  text(kind: TextKind, fragment: string): string {
    if (!fragment) return "";
    this.outputChars += fragment.length;
    if (this.waiting()) {
      const last = this.queue.at(-1);
      if (last && last.kind === kind) last.text += fragment;
      else this.queue.push({ kind, text: fragment });
      return "";
    }
    if (this.open?.kind === kind) return this.textDelta(this.open.index, kind, fragment);
    return this.close() + this.start({ kind, text: fragment });
  }

  /** A tool call's first fragment. */
  toolStart(call: ToolCall): string {
    if (this.waiting()) {
      this.queue.push({ kind: "tool", call });
      return "";
    }
    return this.close() + this.start({ kind: "tool", call });
  }

  /** A tool call's argument fragment: streamed when its block is open, kept until it opens when queued. */
  toolArgs(call: ToolCall, fragment: string): string {
    if (!fragment || call.status === "closed") return ""; // closed only once complete: more would break the JSON
    this.outputChars += fragment.length;
    call.args += fragment;
    if (call.status === "queued" || this.open?.kind !== "tool") return "";
    return this.argsDelta(this.open.index, fragment) + this.advance();
  }

  /** Closes the open block and writes out everything queued, each block closed. */
  finish(): string {
    let out = this.close();
    for (let pending = this.queue.shift(); pending; pending = this.queue.shift()) out += this.start(pending) + this.close();
    return out;
  }

  /** New blocks must wait while a tool call with unfinished arguments is open, or others already wait. */
  private waiting(): boolean {
    return this.queue.length > 0 || (this.open?.kind === "tool" && !isComplete(this.open.call.args));
  }

  /** Once the open call's arguments are complete, the queued blocks follow it in order. */
  private advance(): string {
    let out = "";
    while (this.queue.length > 0 && !(this.open?.kind === "tool" && !isComplete(this.open.call.args))) {
      out += this.close() + this.start(this.queue.shift()!);
    }
    return out;
  }

  /** Opens the next block with whatever it has gathered so far. */
  private start(pending: Pending): string {
    const index = this.next++;
    if (pending.kind === "tool") {
      const { call } = pending;
      call.status = "open";
      this.open = { kind: "tool", index, call };
      const start: AnthropicContentBlockStartEvent = {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: call.id, name: clientToolName(this.toolNames, call.name), input: {} },
      };
      return namedEvent("content_block_start", start) + (call.args ? this.argsDelta(index, call.args) : "");
    }
    this.open = { kind: pending.kind, index };
    const start: AnthropicContentBlockStartEvent = {
      type: "content_block_start",
      index,
      content_block: pending.kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
    };
    return namedEvent("content_block_start", start) + this.textDelta(index, pending.kind, pending.text);
  }

  private close(): string {
    if (!this.open) return "";
    if (this.open.kind === "tool") this.open.call.status = "closed";
    const stop: AnthropicContentBlockStopEvent = { type: "content_block_stop", index: this.open.index };
    this.open = undefined;
    return namedEvent("content_block_stop", stop);
  }

  private textDelta(index: number, kind: TextKind, text: string): string {
    const delta: AnthropicContentBlockDeltaEvent = {
      type: "content_block_delta",
      index,
      delta: kind === "text" ? { type: "text_delta", text } : { type: "thinking_delta", thinking: text },
    };
    return namedEvent("content_block_delta", delta);
  }

  private argsDelta(index: number, partial_json: string): string {
    const delta: AnthropicContentBlockDeltaEvent = { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json } };
    return namedEvent("content_block_delta", delta);
  }
}
