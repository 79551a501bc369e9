// A CLI takes one plain-text prompt, so the conversation of a chat request (OpenAI or Anthropic, untrusted)
// is written out as a transcript: the system prompt first, then each turn under its label ("User:",
// "Assistant:", "Tool result (name):"), in order, so the last user message comes last. Images and other
// media become placeholders ("[image]"); thinking is left out. A request that is one user message and
// nothing else is sent as its bare text, as a person would type it. Pure: the same body, the same prompt.
import type { ClientApi } from "../contract.ts";
import { anthropicSections } from "./prompt-anthropic.ts";
import { openaiSections } from "./prompt-openai.ts";

const SECTION_SEPARATOR = "\n\n";

export function renderPrompt(api: ClientApi, body: unknown): string {
  const sections = (api === "openai" ? openaiSections(body) : anthropicSections(body)).filter((section) => section.text !== "");
  if (sections.length === 1 && sections[0]!.label === "User") return sections[0]!.text;
  return sections.map((section) => `${section.label}: ${section.text}`).join(SECTION_SEPARATOR);
}
