// Request smuggling attempts: framing that two HTTP parsers could read differently. The gateway must never
// answer the request hidden in the body (a second response on the socket means a proxy in front could have
// been made to serve it to someone else), must say 400 (RFC 9112) and must close the connection: each row
// expects that one response and the close. They run on the backend of the corpus's main gateway. On uWS its
// parser closes most of them without an answer, and the gateway drops the connection of two Content-Lengths
// that disagree without one (an answer would let uWS serve the request hidden behind it). Those are known
// gaps, held to what uWS does today (http-framing.ts, and docs/operating.md, Malformed HTTP).
import type { Backend } from "./http-framing.ts";
import { sendRaw, type Expectation, type HostileRow, type WirePiece } from "./wire.ts";

/** The request a smuggler hides after the first one's body. */
const hidden = "GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";
const chat = JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] });
const head = (headers: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${headers}\r\n`;

/** Sends every piece (a smuggler does not stop at the first answer) and reads every response that comes back. */
const smuggle = (...pieces: WirePiece[]) => (port: number) => sendRaw(port, pieces, { stopOnAnswer: false, settleMs: 500 });

/** What a client should get for each: the 400 and the close, no second response. */
const REFUSED: Expectation = { status: 400, errorType: "invalid_request_error", statuses: [400], closed: true };

export function smugglingRows(backend: Backend): HostileRow[] {
  const uws = backend === "uws";
  /** uWS's parser closes these without a response (no JavaScript runs). */
  const closedByUws = uws ? { why: "uWS's parser closes the connection without a response (no JavaScript runs)", today: { status: null, statuses: [], closed: true } } : undefined;
  return [
    {
      name: "CL.TE: content-length and transfer-encoding together, a request hidden after the chunked end",
      send: smuggle(head(`content-length: ${chat.length + 20}\r\ntransfer-encoding: chunked\r\n`) + `${chat.length.toString(16)}\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: REFUSED,
      knownGap: closedByUws,
    },
    {
      name: "TE.CL: a short content-length with a chunked body holding a request",
      send: smuggle(head("transfer-encoding: chunked\r\ncontent-length: 4\r\n") + `${(hidden.length).toString(16)}\r\n${hidden}\r\n0\r\n\r\n`),
      expect: REFUSED,
      knownGap: closedByUws,
    },
    {
      name: "transfer-encoding: chunked with a chunk size that is not hex",
      send: smuggle(head("transfer-encoding: chunked\r\n") + `zz\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: REFUSED,
      knownGap: closedByUws,
    },
    {
      name: "transfer-encoding: chunked whose chunk is longer than its size",
      send: smuggle(head("transfer-encoding: chunked\r\n") + `4\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: REFUSED,
      knownGap: closedByUws,
    },
    {
      name: "an obfuscated transfer-encoding (xchunked)",
      send: smuggle(head(`transfer-encoding: xchunked\r\ncontent-length: ${chat.length}\r\n`) + chat + hidden),
      expect: REFUSED,
      knownGap: closedByUws,
    },
    {
      name: "two content-length headers that disagree",
      send: smuggle(head(`content-length: ${chat.length}\r\ncontent-length: ${chat.length + hidden.length}\r\n`) + chat + hidden),
      expect: REFUSED,
      knownGap: uws
        ? {
            why: "uWS, asked to answer 400 and close, first serves the request hidden behind the body; the gateway drops the connection without an answer instead, so the hidden request is never served",
            today: { status: null, statuses: [], closed: true },
          }
        : undefined,
    },
  ];
}
