// Splits a byte stream of newline-delimited JSON (Ollama's streaming format) into lines, carrying a partial
// line (and a partial UTF-8 sequence) over to the next chunk.
import { createUtf8Chunks } from "./utf8-chunks.ts";

export function createLineSplitter(onLine: (line: string) => void): { push(chunk: Uint8Array): void; end(): void } {
  const decoder = createUtf8Chunks();
  let carry = "";
  const emit = (text: string) => {
    const lines = (carry + text).split("\n");
    carry = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") onLine(line);
  };
  return {
    push: (chunk) => emit(decoder.decode(chunk)),
    end() {
      emit(decoder.end() + "\n");
    },
  };
}
