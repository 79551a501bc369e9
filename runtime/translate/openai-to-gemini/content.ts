// OpenAI content parts → Gemini parts. Text stays text (Gemini rejects empty text, so "" makes no part);
// base64 data: URLs become inlineData; http(s) and gs:// URLs become fileData with a MIME type guessed from
// the extension (Gemini requires one). Audio is inline data too; files are when their data is inline
// (a data: URL), and unsupported when only an OpenAI file_id names them. Image `detail` is ignored: Gemini
// picks the resolution itself unless told otherwise, and low/high/auto have no exact counterpart.
// @see https://ai.google.dev/gemini-api/docs/image-understanding
import type {
  GeminiPart,
  OpenAIChatAssistantContentPart,
  OpenAIChatContentPart,
  OpenAIChatFileInput,
  OpenAIChatTextPart,
} from "../../../generated/types/index.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

const DATA_URL = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;
const REMOTE_URL = /^(?:https?|gs):\/\//i;
const DEFAULT_IMAGE_TYPE = "image/jpeg";

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  wav: "audio/wav",
  mp3: "audio/mp3",
  txt: "text/plain",
};

/** The extension of a URL's path or a file name, lower-cased, query and fragment ignored. */
export function mimeTypeOf(nameOrUrl: string): string | undefined {
  const path = nameOrUrl.split(/[?#]/, 1)[0] ?? "";
  const dot = path.lastIndexOf(".");
  return dot >= 0 && dot > path.lastIndexOf("/") ? MIME_BY_EXTENSION[path.slice(dot + 1).toLowerCase()] : undefined;
}

export function textParts(text: string): GeminiPart[] {
  return text === "" ? [] : [{ text }];
}

/** String content or text parts (system, developer and tool messages) as one string. */
export function plainText(content: string | readonly OpenAIChatTextPart[] | null | undefined): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => part.text).join("");
}

/** An assistant message's visible text: text parts and refusals, which were its reply. */
export function assistantText(content: string | readonly OpenAIChatAssistantContentPart[] | null | undefined): string {
  if (typeof content === "string") return content;
  return (content ?? []).map((part) => (part.type === "text" ? part.text : part.refusal)).join("");
}

/** A user message's content; what Gemini cannot take is noted at its path. */
export function userParts(content: string | readonly OpenAIChatContentPart[], path: FieldPath, unsupported: UnsupportedFields): GeminiPart[] {
  if (typeof content === "string") return textParts(content);
  return content.flatMap((part, i): GeminiPart[] => {
    switch (part.type) {
      case "text":
        return textParts(part.text);
      case "image_url":
        return mediaPart(part.image_url.url, DEFAULT_IMAGE_TYPE, [...path, i], unsupported, "an image URL that is neither http(s), gs:// nor a base64 data: URL");
      case "input_audio":
        return [{ inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } }];
      case "file":
        return filePart(part.file, [...path, i], unsupported);
      default:
        unsupported.note([...path, i], `${(part as { type: string }).type} content`);
        return [];
    }
  });
}

function mediaPart(url: string, fallbackType: string | undefined, path: FieldPath, unsupported: UnsupportedFields, what: string): GeminiPart[] {
  const data = DATA_URL.exec(url);
  if (data) return [{ inlineData: { mimeType: data[1]!, data: data[2]! } }];
  const mimeType = REMOTE_URL.test(url) ? (mimeTypeOf(url) ?? fallbackType) : undefined;
  if (mimeType) return [{ fileData: { mimeType, fileUri: url } }];
  unsupported.note(path, what);
  return [];
}

/** A file is usable when its bytes are inline: a data: URL, or bare base64 whose type the file name tells. */
function filePart(file: OpenAIChatFileInput, path: FieldPath, unsupported: UnsupportedFields): GeminiPart[] {
  const data = file.file_data;
  if (data === undefined || data === "") {
    unsupported.note(path, "a file given by file_id");
    return [];
  }
  if (DATA_URL.test(data)) return mediaPart(data, undefined, path, unsupported, "a file");
  const mimeType = file.filename ? mimeTypeOf(file.filename) : undefined;
  if (mimeType) return [{ inlineData: { mimeType, data } }];
  unsupported.note(path, "a file whose type cannot be told (no data: URL, no known file name extension)");
  return [];
}
