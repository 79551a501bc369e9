// Decodes a byte stream to text chunk by chunk. `Buffer#toString("utf8")` is several times cheaper per call than
// `TextDecoder#decode(…, { stream: true })`, but would turn a character split across two chunks into two U+FFFD:
// so the incomplete sequence at a chunk's end (at most 3 bytes) is held back and put in front of the next chunk.

/** How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet (0 to 3). */
export function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  // A sequence is at most 4 bytes: look back over at most 3 continuation bytes for its lead byte.
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    // ASCII or a lead byte whose sequence is already whole: nothing to hold back. A stray byte the
    // decoder will replace anyway is not held back either.
    return need > back && b < 0xf8 ? back : 0;
  }
  return 0;
}

export interface Utf8Chunks {
  /** The text of `chunk`, with an incomplete character at its end held back for the next call. */
  decode(chunk: Uint8Array): string;
  /** Whatever was held back (an unfinished character decodes to U+FFFD, as TextDecoder would). */
  end(): string;
}

export function createUtf8Chunks(): Utf8Chunks {
  let held: Buffer | null = null;
  return {
    decode(chunk) {
      let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (held !== null) {
        bytes = Buffer.concat([held, bytes]);
        held = null;
      }
      const tail = incompleteTail(bytes);
      if (tail === 0) return bytes.toString("utf8");
      // Copied: the caller may reuse the chunk's memory once we return.
      held = Buffer.from(bytes.subarray(bytes.length - tail));
      return bytes.toString("utf8", 0, bytes.length - tail);
    },
    end() {
      if (held === null) return "";
      const text = held.toString("utf8");
      held = null;
      return text;
    },
  };
}
