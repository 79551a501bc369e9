// What node:http does with a connection whose bytes it cannot frame as a request ('clientError'): Node's
// own answer is a bare status with no body (and none at all once anything was written on the connection).
// Here every such connection gets the status with an error body in the client's API format, then is
// closed, and the refusal is logged (runtime/listener/framing.ts).
import type { Socket } from "node:net";
import type { ServerResponse } from "node:http";
import { clientApiOfBytes, framingResponse, refusals, type FramingStatus } from "../../listener/framing.ts";

/** Node's `headersTimeout` here: a client has this long from its first byte to the end of its headers (uWS's idle timeout). */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * node:http's cap on a request head, above the gateway's own 32 KiB limit (runtime/listener/header-limit.ts),
 * so the two backends refuse the same requests: up to this size the endpoint's 431 answers in the client's
 * format with the path known; past it, this handler does.
 */
export const NODE_MAX_HEADER_BYTES = 64 * 1024;

/** A hostile client that keeps its side open after the answer is cut off this long after it. */
const LINGER_MS = 1_000;

type ParseError = Error & { code?: string; reason?: string; rawPacket?: Buffer };

function classify(error: ParseError): { status: FramingStatus; reason: string } | null {
  switch (error.code) {
    case "ECONNRESET":
    case "EPIPE":
      return null; // the client is gone: nobody to answer
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, reason: `request headers not complete within ${HEADERS_TIMEOUT_MS / 1000} s` };
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, reason: `request headers are larger than the ${NODE_MAX_HEADER_BYTES} byte limit` };
    default: {
      const detail = error.reason ?? error.message.replace(/^Parse Error: /, "");
      return { status: 400, reason: `malformed HTTP request: ${detail}${error.code?.startsWith("HPE_") ? ` (${error.code})` : ""}` };
    }
  }
}

function peerOf(socket: Socket): string {
  const ip = socket.remoteAddress ?? "unknown";
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

export function onClientError(error: ParseError, socket: Socket): void {
  const verdict = classify(error);
  if (verdict === null || !socket.writable) {
    socket.destroy();
    return;
  }
  refusals.refused(verdict.status, peerOf(socket), verdict.reason);
  const answer = framingResponse(verdict.status, clientApiOfBytes(error.rawPacket), verdict.reason);
  const reply = () => {
    if (!socket.writable) return socket.destroy();
    socket.end(answer);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  // A pipelined request that fails to parse while the one before it is still being answered: that answer
  // goes out first (node:http keeps it on the socket), then this one, so the client can pair them up.
  // A request whose own body broke the framing (a chunk size that is not hex, a chunk longer than its size)
  // will never be answered by its handler, which waits for the rest of its body: it is answered here, now.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (inFlight != null && !inFlight.writableFinished && inFlight.req?.complete !== false) {
    inFlight.once("finish", reply);
    inFlight.once("close", () => {
      if (!inFlight.writableFinished) socket.destroy();
    });
  } else reply();
}
