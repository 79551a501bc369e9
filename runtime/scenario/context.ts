// What a renderer needs to know about the request besides the scripted response.

export interface PlayContext {
  /** Assistant turns in the request's history (not clamped): makes ids unique within a conversation. */
  readonly turn: number;
  /** The request's model, echoed back as real APIs do. */
  readonly model: string;
  readonly stream: boolean;
  /** OpenAI `stream_options.include_usage`: a final chunk with usage and no choices. */
  readonly includeUsage: boolean;
  readonly inputTokens: number;
  readonly speed: number;
}
