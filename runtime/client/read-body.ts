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

/**
 * A body that keeps arriving, a byte at a time, never stalls: it may take BODY_GRACE_MS plus a second for every
 * BODY_MIN_RATE bytes it has sent (Apache's mod_reqtimeout rule, with its defaults), then it is answered 408.
 * A real upload of the largest body allowed is far faster; a slowloris body holds a connection for 20 s, not
 * for as long as its sender likes.
 */
export const BODY_GRACE_MS = 20_000;
export const BODY_MIN_RATE = 500;

/** The 408's reason, for the client and the log. */
export const BODY_TIMEOUT_RULE = `no bytes for ${BODY_IDLE_MS / 1000} s, or under ${BODY_MIN_RATE} bytes/s after ${BODY_GRACE_MS / 1000} s`;

export function readBody(res: HttpResponse, limit: number, declaredLength: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    if (declaredLength > limit) {
      resolve({ ok: false, reason: "too-large" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const started = performance.now();
    let lastChunkAt = started;
    const stalled = () => {
      if (done) return;
      const now = performance.now();
      // Whichever comes first: the idle bound since the last chunk, or the total the bytes so far have earned.
      const wait = Math.min(BODY_IDLE_MS - (now - lastChunkAt), started + BODY_GRACE_MS + (size / BODY_MIN_RATE) * 1000 - now);
      if (wait > 0) {
        idle = deadlines.schedule(wait, stalled);
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
