// Which tool call a streamed OpenAI fragment belongs to. OpenAI keys fragments by `index` and sends the
// id and name only on the first; some servers leave out the index (one whole call per fragment, each with
// its own id), and some give every parallel call index 0 with a different id.
import { fallbackToolId, type Loose } from "./untrusted.ts";

export interface ToolCall {
  readonly id: string;
  /** The upstream's name; the first fragment that carries one sets it. */
  name: string;
  /** Every argument fragment received so far, concatenated. */
  args: string;
  /** queued: waiting behind an unfinished call; open: its block is streaming; closed: its block ended. */
  status: "queued" | "open" | "closed";
}

export class ToolCalls {
  private readonly byIndex = new Map<number, ToolCall>();
  private readonly byId = new Map<string, ToolCall>();
  private last: ToolCall | undefined;
  private count = 0;

  constructor(private readonly responseId: string) {}

  get any(): boolean {
    return this.count > 0;
  }

  /** The call `fragment` continues, or a new one (`isNew`) when it starts another. */
  locate(fragment: Loose): { call: ToolCall; isNew: boolean } {
    const index = typeof fragment.index === "number" ? fragment.index : undefined;
    const id = typeof fragment.id === "string" && fragment.id ? fragment.id : undefined;
    const known = index !== undefined ? this.byIndex.get(index) : id !== undefined ? this.byId.get(id) : this.last;
    if (known && (id === undefined || id === known.id)) return { call: known, isNew: false };
    const call: ToolCall = { id: id ?? fallbackToolId(this.responseId, this.count), name: "", args: "", status: "queued" };
    this.count++;
    if (index !== undefined) this.byIndex.set(index, call);
    this.byId.set(call.id, call);
    this.last = call;
    return { call, isNew: true };
  }
}
