import { describe, expect, it } from "vitest";
import { createUtf8Chunks, incompleteTail } from "../../runtime/streams/utf8-chunks.ts";

const sample = "a é ü € 𝄞 漢字 🎉 z";
const bytes = Buffer.from(sample, "utf8");

function decodeIn(pieces: Uint8Array[]): string {
  const d = createUtf8Chunks();
  let out = "";
  for (const p of pieces) out += d.decode(p);
  return out + d.end();
}

describe("createUtf8Chunks", () => {
  it("decodes the same text whatever two pieces the bytes are split into", () => {
    for (let i = 0; i <= bytes.length; i++) {
      expect(decodeIn([bytes.subarray(0, i), bytes.subarray(i)])).toBe(sample);
    }
  });

  it("decodes one byte at a time, and in three pieces at every pair of cuts", () => {
    expect(decodeIn([...bytes].map((b) => Uint8Array.of(b)))).toBe(sample);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        expect(decodeIn([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).toBe(sample);
      }
    }
  });

  it("agrees with TextDecoder on malformed input and on a stream that ends inside a character", () => {
    const cases = [Uint8Array.of(0xc3), Uint8Array.of(0x41, 0xe2, 0x82), Uint8Array.of(0xc3, 0x41), Uint8Array.of(0x80, 0xff, 0x41), Uint8Array.of(0xf0, 0x9f)];
    for (const c of cases) {
      const want = new TextDecoder().decode(c);
      for (let i = 0; i <= c.length; i++) expect(decodeIn([c.subarray(0, i), c.subarray(i)])).toBe(want);
    }
  });

  it("does not keep a reference to the caller's chunk", () => {
    const d = createUtf8Chunks();
    const chunk = Buffer.from("x€", "utf8");
    expect(d.decode(chunk.subarray(0, 3))).toBe("x");
    chunk.fill(0);
    expect(d.decode(Buffer.from([0xac]))).toBe("€");
  });

  it("holds back only an unfinished sequence", () => {
    expect(incompleteTail(Buffer.from("abc"))).toBe(0);
    expect(incompleteTail(Buffer.from("é"))).toBe(0);
    expect(incompleteTail(Buffer.from("🎉").subarray(0, 3))).toBe(3);
    expect(incompleteTail(Buffer.from("€").subarray(0, 1))).toBe(1);
  });
});
