// Reads a request body from uWS into one Buffer, refusing it as soon as it passes the limit so an
// oversized upload costs at most `limit` bytes of memory, and giving up on one that stops arriving.
import type { HttpResponse } from "uWebSockets.js";
import { deadlines, type Deadline } from "../timers/deadline-wheel.ts";

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: "too-large" | "timeout" };

/**
 * How long a body may go without a byte before the request is answered 408. uWS closes a connection whose
 * body stalls, natively and without a word, 8 to 12 s after the request (its 10 s idle timeout on a 4 s
 * clock), so this must come first for the client to be told; node:http has no such timeout of its own.
 */
export const BODY_IDLE_MS = 7_000;

export function readBody(res: HttpResponse, limit: number, declaredLength: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    if (declaredLength > limit) {
      resolve({ ok: false, reason: "too-large" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let lastChunkAt = performance.now();
    const stalled = () => {
      if (done) return;
      const quiet = performance.now() - lastChunkAt;
      if (quiet < BODY_IDLE_MS) {
        idle = deadlines.schedule(BODY_IDLE_MS - quiet, stalled);
        return;
      }
      done = true;
      resolve({ ok: false, reason: "timeout" });
    };
    // Set even for a body that came with its headers: uWS delivers it only after the handler's microtasks
    // have run, so nothing here can tell it is already there. The wheel makes this an insert and an unlink.
    let idle: Deadline = deadlines.schedule(BODY_IDLE_MS, stalled);
    const finish = (result: BodyResult) => {
      done = true;
      idle.cancel();
      resolve(result);
    };
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limit) return finish({ ok: false, reason: "too-large" });
      /* uWS: the ArrayBuffer is only valid during this callback, so copy it. */
      const copy = Buffer.from(new Uint8Array(chunk));
      if (isLast) return finish({ ok: true, body: chunks.length === 0 ? copy : Buffer.concat([...chunks, copy], size) });
      chunks.push(copy);
      lastChunkAt = performance.now();
    });
  });
}
