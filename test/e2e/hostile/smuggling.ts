// Request smuggling attempts: framing that two HTTP parsers could read differently. The gateway must never
// answer the request hidden in the body (a second response on the socket means a proxy in front could have
// been made to serve it to someone else) and must close the connection. Content-Lengths that disagree get the
// 400 RFC 9112 asks for (the gateway's header pass refuses them); the rest uWS's parser closes without an
// answer (status null), a gap the http-framing rows and docs/operating.md (Malformed HTTP) describe.
import { exchange, responseCount, wireResult, type HostileRow, type WirePiece } from "./wire.ts";

/** The request a smuggler hides after the first one's body. */
const hidden = "GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";
const chat = JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] });
const head = (headers: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${headers}\r\n`;

/** Sends the pieces and fails the row outright when more than one response came back. */
const smuggle = (...pieces: WirePiece[]) => async (port: number) => {
  const result = await exchange(port, pieces, { stopOnAnswer: false, settleMs: 500 });
  const count = responseCount(result.data);
  if (count > 1) throw new Error(`the gateway answered ${count} requests; the hidden one was served:\n${result.data.toString("latin1")}`);
  return wireResult(result);
};

export const smugglingRows: HostileRow[] = [
  {
    name: "CL.TE: content-length and transfer-encoding together, a request hidden after the chunked end",
    send: smuggle(head(`content-length: ${chat.length + 20}\r\ntransfer-encoding: chunked\r\n`) + `${chat.length.toString(16)}\r\n${chat}\r\n0\r\n\r\n` + hidden),
    expect: { status: null, closed: true },
  },
  {
    name: "TE.CL: a short content-length with a chunked body holding a request",
    send: smuggle(head("transfer-encoding: chunked\r\ncontent-length: 4\r\n") + `${(hidden.length).toString(16)}\r\n${hidden}\r\n0\r\n\r\n`),
    expect: { status: null, closed: true },
  },
  {
    name: "transfer-encoding: chunked with a chunk size that is not hex",
    send: smuggle(head("transfer-encoding: chunked\r\n") + `zz\r\n${chat}\r\n0\r\n\r\n` + hidden),
    expect: { status: null, closed: true },
  },
  {
    name: "transfer-encoding: chunked whose chunk is longer than its size",
    send: smuggle(head("transfer-encoding: chunked\r\n") + `4\r\n${chat}\r\n0\r\n\r\n` + hidden),
    expect: { status: null, closed: true },
  },
  {
    name: "an obfuscated transfer-encoding (xchunked)",
    send: smuggle(head(`transfer-encoding: xchunked\r\ncontent-length: ${chat.length}\r\n`) + chat + hidden),
    expect: { status: null, closed: true },
  },
  {
    name: "two content-length headers that disagree",
    send: smuggle(head(`content-length: ${chat.length}\r\ncontent-length: ${chat.length + hidden.length}\r\n`) + chat + hidden),
    expect: { status: 400, errorType: "invalid_request_error", closed: true },
  },
];
