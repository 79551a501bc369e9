// Keeps what went to one client as it went: the status, the content type, and each piece with the time since
// the previous one (the first: since the request arrived). It only holds references to the chunks the relay
// wrote (nothing is copied or decoded on the response path); the recorder reads them after the response ended.
import type { ResponseObserver } from "../../client/response.ts";

export class ResponseCapture implements ResponseObserver {
  status = 0;
  contentType = "";
  readonly pieces: Array<Uint8Array | string> = [];
  /** Milliseconds before each piece. */
  readonly gaps: number[] = [];
  private last: number;

  /** `receivedAt`: performance.now() when the request arrived. */
  constructor(receivedAt: number) {
    this.last = receivedAt;
  }

  head(status: number, headers: Readonly<Record<string, string>>): void {
    this.status = status;
    this.contentType = headers["content-type"] ?? "";
  }

  chunk(data: Uint8Array | string): void {
    const now = performance.now();
    this.gaps.push(now - this.last);
    this.last = now;
    this.pieces.push(data);
  }
}
