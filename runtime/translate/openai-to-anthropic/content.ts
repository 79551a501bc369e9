// OpenAI content parts → Anthropic content blocks. Text keeps its cache_control breakpoint; images become
// base64 or URL sources. Anthropic rejects empty text blocks, so empty text produces no block at all.
// Image `detail` has no Anthropic equivalent and is ignored (Anthropic picks the resolution itself).
// @see https://docs.anthropic.com/en/api/messages (content blocks)
import type {
  AnthropicContentBlockParam,
  AnthropicImageBlockParam,
  AnthropicTextBlockParam,
  OpenAIChatAssistantContentPart,
  OpenAIChatCacheControl,
  OpenAIChatContentPart,
  OpenAIChatImagePart,
  OpenAIChatTextPart,
} from "../../../generated/types/index.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
const HTTP_URL = /^https?:\/\//i;

export function textBlock(text: string, cacheControl?: OpenAIChatCacheControl | null): AnthropicTextBlockParam[] {
  if (text === "") return [];
  return [cacheControl ? { type: "text", text, cache_control: cacheControl } : { type: "text", text }];
}

/** String content or text parts (system, developer, tool messages): text blocks. */
export function textBlocks(content: string | readonly OpenAIChatTextPart[] | null | undefined): AnthropicTextBlockParam[] {
  if (typeof content === "string") return textBlock(content);
  return (content ?? []).flatMap((part) => textBlock(part.text, part.cache_control));
}

/** A user message's content; audio and file parts cannot be expressed and are noted at their path. */
export function userBlocks(content: string | readonly OpenAIChatContentPart[], path: FieldPath, unsupported: UnsupportedFields): AnthropicContentBlockParam[] {
  if (typeof content === "string") return textBlock(content);
  return content.flatMap((part, i): AnthropicContentBlockParam[] => {
    if (part.type === "text") return textBlock(part.text, part.cache_control);
    if (part.type === "image_url") {
      const image = imageBlock(part);
      if (image) return [image];
      unsupported.note([...path, i], "an image URL that is neither https nor a base64 data: URL");
      return [];
    }
    unsupported.note([...path, i], `${part.type} content`);
    return [];
  });
}

/** An assistant message's content: text parts, and refusals, which were the assistant's visible reply. */
export function assistantTextBlocks(content: string | readonly OpenAIChatAssistantContentPart[] | null | undefined): AnthropicTextBlockParam[] {
  if (typeof content === "string") return textBlock(content);
  return (content ?? []).flatMap((part) => (part.type === "text" ? textBlock(part.text, part.cache_control) : textBlock(part.refusal)));
}

function imageBlock(part: OpenAIChatImagePart): AnthropicImageBlockParam | undefined {
  const url = part.image_url.url;
  const data = DATA_URL.exec(url);
  const cache = part.cache_control ? { cache_control: part.cache_control } : {};
  if (data) return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] }, ...cache };
  if (HTTP_URL.test(url)) return { type: "image", source: { type: "url", url }, ...cache };
  return undefined;
}
