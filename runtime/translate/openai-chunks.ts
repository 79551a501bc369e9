// The chat.completion.chunk frames every translator towards an OpenAI client writes: one id, clock and
// model for the whole stream (the client's model, not the upstream's), `usage: null` on every chunk when the
// client asked for usage (as OpenAI's own API does), and the role chunk first, once.
import type { OpenAIChatChunk, OpenAIChatChunkFinishReason, OpenAIChatDelta } from "../../generated/types/index.ts";
import { dataEvent } from "./sse.ts";
import type { TranslationState } from "./translator.ts";

export interface ChunkWriter {
  chunk(choices: OpenAIChatChunk["choices"], usage?: OpenAIChatChunk["usage"]): string;
  /** A chunk with choice 0's delta. */
  delta(body: OpenAIChatDelta, finishReason?: OpenAIChatChunkFinishReason | null): string;
  /** The role chunk, the first time only ("" after). */
  open(): string;
  /** Whether the role chunk went out. */
  readonly started: boolean;
}

/** What the frames repeat: a translation's state, or any other source of OpenAI chunks (a local CLI). */
export type ChunkIdentity = Pick<TranslationState, "responseId" | "created" | "clientModel" | "includeUsage">;

/**
 * The frame's constant head, `data: {"id":…,"object":…,"created":…,"model":…,"choices":`, as a string: each chunk
 * then serialises only its choices (and usage), not the identity again. Bytes and key order are what
 * JSON.stringify of the whole chunk gives. Null when a field would not serialise as itself (JSON.stringify would
 * drop an undefined one), so the caller serialises the whole chunk instead.
 */
function frameHead(state: ChunkIdentity): string | null {
  if (typeof state.responseId !== "string" || typeof state.clientModel !== "string" || !Number.isFinite(state.created)) return null;
  return `data: {"id":${JSON.stringify(state.responseId)},"object":"chat.completion.chunk","created":${state.created},"model":${JSON.stringify(state.clientModel)},"choices":`;
}

export function createChunkWriter(state: ChunkIdentity): ChunkWriter {
  let started = false;
  // Cached with what it was built from: a translator may learn the id or model after the writer is made.
  let head: string | null = null;
  let headOf: [string, number, string] | null = null;
  const chunk = (choices: OpenAIChatChunk["choices"], usage: OpenAIChatChunk["usage"] = null): string => {
    if (headOf === null || headOf[0] !== state.responseId || headOf[1] !== state.created || headOf[2] !== state.clientModel) {
      head = frameHead(state);
      headOf = [state.responseId, state.created, state.clientModel];
    }
    if (head === null) {
      return dataEvent({
        id: state.responseId,
        object: "chat.completion.chunk",
        created: state.created,
        model: state.clientModel,
        choices,
        ...(state.includeUsage ? { usage } : {}),
      } satisfies OpenAIChatChunk);
    }
    return `${head}${JSON.stringify(choices)}${state.includeUsage ? `,"usage":${JSON.stringify(usage)}` : ""}}\n\n`;
  };
  const delta = (body: OpenAIChatDelta, finishReason: OpenAIChatChunkFinishReason | null = null): string =>
    chunk([{ index: 0, delta: body, finish_reason: finishReason, logprobs: null }]);
  return {
    chunk,
    delta,
    open() {
      if (started) return "";
      started = true;
      return delta({ role: "assistant", content: "" });
    },
    get started() {
      return started;
    },
  };
}
