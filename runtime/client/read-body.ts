// Reads a request body from uWS into one Buffer, refusing it as soon as it passes the limit so an
// oversized upload costs at most `limit` bytes of memory.
import type { HttpResponse } from "uWebSockets.js";

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too-large" };

export function readBody(res: HttpResponse, limit: number, declaredLength: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    if (declaredLength > limit) {
      resolve({ ok: false, reason: "too-large" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limit) {
        done = true;
        resolve({ ok: false, reason: "too-large" });
        return;
      }
      /* uWS: the ArrayBuffer is only valid during this callback, so copy it. */
      const copy = Buffer.from(new Uint8Array(chunk));
      if (isLast) {
        done = true;
        resolve({ ok: true, body: chunks.length === 0 ? copy : Buffer.concat([...chunks, copy], size) });
      } else {
        chunks.push(copy);
      }
    });
  });
}
