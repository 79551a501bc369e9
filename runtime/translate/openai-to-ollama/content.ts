// OpenAI content (a string or parts) → Ollama's one `content` string plus `images`. Text parts are joined
// with a blank line: they are separate passages to the client (Claude Code sends a reminder and the
// question as two parts), and joining them with nothing would glue one's last word to the next one's first.
// Images travel as bare base64 beside the text; Ollama fetches nothing, so only data: URLs can be sent.
// Image `detail` has no Ollama counterpart and is ignored.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md#chat-request-with-images
import type { OpenAIChatAssistantContentPart, OpenAIChatContentPart, OpenAIChatTextPart } from "../../../generated/types/index.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

const PART_SEPARATOR = "\n\n";
const BASE64_DATA_URL = /^data:[^;,]*;base64,(.*)$/s;

export interface UserContent {
  content: string;
  images: string[];
}

/** String content or text parts (system, developer, tool messages) as one string. */
export function joinText(content: string | readonly OpenAIChatTextPart[] | null | undefined): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => part.text).join(PART_SEPARATOR);
}

/** An assistant turn's text: text parts, and refusals, which were the assistant's visible reply. */
export function assistantText(content: string | readonly OpenAIChatAssistantContentPart[] | null | undefined): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => (part.type === "text" ? part.text : part.refusal)).join(PART_SEPARATOR);
}

/** A user message's text and images; URLs Ollama cannot read, audio and files are noted at their path. */
export function userContent(content: string | readonly OpenAIChatContentPart[], path: FieldPath, unsupported: UnsupportedFields): UserContent {
  if (typeof content === "string") return { content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part, i) => {
    if (part.type === "text") texts.push(part.text);
    else if (part.type === "image_url") {
      const data = BASE64_DATA_URL.exec(part.image_url.url);
      if (data) images.push(data[1]!);
      else unsupported.note([...path, i], "an image URL that is not a base64 data: URL (Ollama fetches no URLs)");
    } else unsupported.note([...path, i], `${part.type} content`);
  });
  return { content: texts.join(PART_SEPARATOR), images };
}
