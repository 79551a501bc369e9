// What a scenario playback hands the server: the exact bytes to write and when, plus a summary for the
// request log. Frames are computed up front (playback is deterministic); the server only waits and writes.

export interface ScenarioFrame {
  /** Milliseconds to wait after the previous frame (or after the request, for the first) before writing. */
  readonly delayMs: number;
  /** Bytes to write: one SSE event for a stream, the whole JSON body otherwise. */
  readonly data: string;
}

export interface ScenarioToolCall {
  readonly id: string;
  readonly name: string;
  /** The input as a JSON string (OpenAI's `function.arguments` shape, for either API). */
  readonly arguments: string;
}

export interface ScenarioReply {
  /** text/event-stream for a stream, application/json otherwise. */
  readonly contentType: string;
  readonly frames: readonly ScenarioFrame[];
  readonly summary: {
    /** The assistant text sent (thinking excluded). */
    readonly text: string;
    readonly toolCalls: readonly ScenarioToolCall[];
    readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
    /** In the client API's own words: stop/tool_calls (OpenAI), end_turn/tool_use (Anthropic). */
    readonly finishReason: string;
  };
}

/**
 * Builds the frame list. Time that passes with nothing to send (thinking, hidden from OpenAI clients) is
 * carried onto the next frame, so the total delay always equals the scenario's time.
 */
export class FrameTimeline {
  private readonly frames: ScenarioFrame[] = [];
  private pendingMs = 0;
  private totalMs = 0;

  /** `speed` 1 = real time, 10 = ten times faster, 0 (or less) = instant. */
  constructor(private readonly speed: number) {}

  wait(scenarioMs: number): void {
    const ms = this.speed > 0 ? scenarioMs / this.speed : 0;
    this.pendingMs += ms;
    this.totalMs += ms;
  }

  emit(data: string): void {
    this.frames.push({ delayMs: this.pendingMs, data });
    this.pendingMs = 0;
  }

  /** All waits so far, for a non-streamed reply that arrives in one piece at the end. */
  get elapsedMs(): number {
    return this.totalMs;
  }

  /** The frames; a trailing wait with no frame after it is added to the last frame. */
  finish(): ScenarioFrame[] {
    const last = this.frames.at(-1);
    if (last && this.pendingMs > 0) this.frames[this.frames.length - 1] = { ...last, delayMs: last.delayMs + this.pendingMs };
    this.pendingMs = 0;
    return this.frames;
  }
}
