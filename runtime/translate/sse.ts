// Server-sent event framing for translated streams. Anthropic names every event; OpenAI sends bare `data:`
// lines and ends with `data: [DONE]`.

/** `event: <name>\ndata: <json>\n\n`, as Anthropic frames its stream. */
export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `data: <json>\n\n`, as OpenAI frames its chunks. */
export function dataEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export const OPENAI_DONE = "data: [DONE]\n\n";
