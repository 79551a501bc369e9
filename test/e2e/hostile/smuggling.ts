// Request smuggling attempts: framing that two HTTP parsers could read differently. The gateway must never
// answer the request hidden in the body (a second response on the socket means a proxy in front could have
// been made to serve it to someone else) and must close the connection: each row expects one response at
// most (`statuses`). Content-Lengths that disagree get the 400 RFC 9112 asks for (the gateway's header pass
// refuses them), though on uWS the request hidden behind them is still served (the row's known gap); the
// rest uWS's parser closes without an answer (status null), a gap the framing rows (http-framing.ts) and
// docs/operating.md (Malformed HTTP) describe. They run on the backend of the corpus's main gateway.
import type { Backend } from "./http-framing.ts";
import { sendRaw, type HostileRow, type WirePiece } from "./wire.ts";

/** The request a smuggler hides after the first one's body. */
const hidden = "GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n";
const chat = JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] });
const head = (headers: string) => `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n${headers}\r\n`;

/** Sends every piece (a smuggler does not stop at the first answer) and reads every response that comes back. */
const smuggle = (...pieces: WirePiece[]) => (port: number) => sendRaw(port, pieces, { stopOnAnswer: false, settleMs: 500 });

export function smugglingRows(backend: Backend): HostileRow[] {
  return [
    {
      name: "CL.TE: content-length and transfer-encoding together, a request hidden after the chunked end",
      send: smuggle(head(`content-length: ${chat.length + 20}\r\ntransfer-encoding: chunked\r\n`) + `${chat.length.toString(16)}\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: { status: null, statuses: [], closed: true },
    },
    {
      name: "TE.CL: a short content-length with a chunked body holding a request",
      send: smuggle(head("transfer-encoding: chunked\r\ncontent-length: 4\r\n") + `${(hidden.length).toString(16)}\r\n${hidden}\r\n0\r\n\r\n`),
      expect: { status: null, statuses: [], closed: true },
    },
    {
      name: "transfer-encoding: chunked with a chunk size that is not hex",
      send: smuggle(head("transfer-encoding: chunked\r\n") + `zz\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: { status: null, statuses: [], closed: true },
    },
    {
      name: "transfer-encoding: chunked whose chunk is longer than its size",
      send: smuggle(head("transfer-encoding: chunked\r\n") + `4\r\n${chat}\r\n0\r\n\r\n` + hidden),
      expect: { status: null, statuses: [], closed: true },
    },
    {
      name: "an obfuscated transfer-encoding (xchunked)",
      send: smuggle(head(`transfer-encoding: xchunked\r\ncontent-length: ${chat.length}\r\n`) + chat + hidden),
      expect: { status: null, statuses: [], closed: true },
    },
    {
      name: "two content-length headers that disagree",
      send: smuggle(head(`content-length: ${chat.length}\r\ncontent-length: ${chat.length + hidden.length}\r\n`) + chat + hidden),
      expect: { status: 400, errorType: "invalid_request_error", statuses: [400], closed: true },
      knownGap:
        backend === "uws"
          ? {
              why: "the gateway answers 400 with end(body, closeConnection), but uWS first parses and serves the request pipelined behind it in the same bytes, and keeps the connection open until its 10 s idle timeout: the hidden request is answered",
              today: { status: 400, errorType: "invalid_request_error", statuses: [400, 200], closed: false },
            }
          : undefined,
    },
  ];
}
