// Tool call ids, and where a function call's thought signature travels between turns.
//
// Gemini names no call ids unless the model sends one (functionCall.id); calls get `call_<responseId>_<n>`
// otherwise, the same on every read of the same response. Gemini 3 also signs the function calls of a
// thinking turn (thoughtSignature on the functionCall part) and answers 400 when a later turn sends the call
// back without it. An OpenAI-format client keeps nothing of a tool call but its id, name and arguments (and
// an Anthropic client, through composition, only the id), so the signature rides in the id:
// `<id>__thought__<signature in base64url>`, in characters both OpenAI and Anthropic accept in ids. The
// request side splits it off again and puts it back on the functionCall part.
// Google's own OpenAI-compatible endpoint carries it as tool_calls[].extra_content.google.thought_signature;
// that is read too, for histories that come from there.
// @see https://ai.google.dev/gemini-api/docs/thought-signatures
import { objectOf, stringOf } from "../untrusted.ts";

const SEPARATOR = "__thought__";

/** Character for character, so any signature comes back byte-exact (no decode, no re-encode). */
function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(encoded: string): string {
  const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  return base64 + "=".repeat((4 - (base64.length % 4)) % 4);
}

export function toolCallId(responseId: string, n: number, geminiId: unknown, signature: unknown): string {
  const id = stringOf(geminiId) || `call_${responseId}_${n}`;
  const sig = stringOf(signature);
  return sig ? `${id}${SEPARATOR}${toBase64Url(sig)}` : id;
}

/** The thought signature a client's tool call carries back, in the base64 Gemini sent; undefined when none. */
export function thoughtSignatureOf(call: unknown): string | undefined {
  const c = objectOf(call);
  const id = stringOf(c.id);
  const at = id.indexOf(SEPARATOR);
  if (at >= 0) {
    const encoded = id.slice(at + SEPARATOR.length);
    if (encoded) return fromBase64Url(encoded);
  }
  const google = objectOf(objectOf(c.extra_content).google);
  return typeof google.thought_signature === "string" && google.thought_signature ? google.thought_signature : undefined;
}
