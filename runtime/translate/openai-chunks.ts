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

export function createChunkWriter(state: ChunkIdentity): ChunkWriter {
  let started = false;
  const chunk = (choices: OpenAIChatChunk["choices"], usage: OpenAIChatChunk["usage"] = null): string =>
    dataEvent({
      id: state.responseId,
      object: "chat.completion.chunk",
      created: state.created,
      model: state.clientModel,
      choices,
      ...(state.includeUsage ? { usage } : {}),
    } satisfies OpenAIChatChunk);
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
