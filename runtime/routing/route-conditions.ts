// What compiled route conditions (`when:` in routes.yaml) ask of a request body. The generator emits each
// route's conditions as one boolean expression over these helpers and the request's headers and key id
// (generated/<env>/routes/<id>.ts, `when…` functions), cheapest checks first, so the prompt is only
// measured when every other condition already holds.
import type { ConditionRequest, Route } from "../contract.ts";
import { estimatePromptTokens } from "../usage/token-estimate.ts";

export type { ConditionRequest };

/** Picks the route of a model that has conditional routes; the router falls back to globs on undefined. */
export type SelectRoute = (request: ConditionRequest | undefined, body: unknown) => Route | undefined;

/** The request defines tools (OpenAI `tools` or legacy `functions`, Anthropic `tools`). */
export function hasTools(body: unknown): boolean {
  const request = body as { tools?: unknown; functions?: unknown } | null;
  if (request === null || typeof request !== "object") return false;
  return nonEmpty(request.tools) || nonEmpty(request.functions);
}

/** Content part types that carry an image: OpenAI `image_url`/`input_image`, Anthropic `image`. */
const IMAGE_PARTS = new Set(["image_url", "input_image", "image"]);

/** Some message carries an image, also inside an Anthropic tool_result. */
export function hasImages(body: unknown): boolean {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return false;
  for (const message of messages) {
    if (message !== null && typeof message === "object" && partsHaveImage((message as { content?: unknown }).content)) return true;
  }
  return false;
}

function partsHaveImage(content: unknown): boolean {
  if (!Array.isArray(content)) return false;
  for (const part of content) {
    if (part === null || typeof part !== "object") continue;
    const typed = part as { type?: unknown; content?: unknown };
    if (typeof typed.type === "string" && IMAGE_PARTS.has(typed.type)) return true;
    if (typed.type === "tool_result" && partsHaveImage(typed.content)) return true;
  }
  return false;
}

/** The estimated prompt size in tokens (runtime/usage/token-estimate.ts: messages, system and tools). */
export function promptTokens(body: unknown): number {
  return estimatePromptTokens(body);
}

function nonEmpty(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
