// Splits a byte stream of newline-delimited JSON (Ollama's streaming format) into lines, carrying a partial
// line (and a partial UTF-8 sequence) over to the next chunk.
export function createLineSplitter(onLine: (line: string) => void): { push(chunk: Uint8Array): void; end(): void } {
  const decoder = new TextDecoder();
  let carry = "";
  const emit = (text: string) => {
    const lines = (carry + text).split("\n");
    carry = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") onLine(line);
  };
  return {
    push: (chunk) => emit(decoder.decode(chunk, { stream: true })),
    end() {
      emit(decoder.decode() + "\n");
    },
  };
}
