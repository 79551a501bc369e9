// Slow and vanishing clients: slowloris connections that trickle their headers or body are closed by the
// gateway while a normal client is answered meanwhile, and a client that hangs up mid-stream has its
// upstream request cancelled. "Meanwhile" is shown by order (every normal request completes while the slow
// connections are still open), never by a time bound. A slow connection should end with a 408 (node:http's
// answer); uWS closes it without one, a known gap held to what it does today.
import net from "node:net";
import type { MockUpstream } from "../../support/mock-upstream.ts";
import type { Backend } from "./http-framing.ts";
import { chatRequest, type Upstreams } from "./upstream.ts";
import { exchange, parseResponse, wireResult, type Expectation, type HostileRow, type WirePiece, type WireResult } from "./wire.ts";

/** Slow connections held open at once, each a byte every second. */
const SLOW_CONNECTIONS = 20;
/** Bytes each trickles at most (a minute): far longer than the gateway should wait. */
const TRICKLE_BYTES = 60;

const trickle = (): WirePiece[] => Array.from({ length: TRICKLE_BYTES }, () => [{ pauseMs: 1000 }, "a"]).flat();

async function normalRequest(port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-x", messages: [{ role: "user", content: "hi" }] }),
  });
  if (res.status !== 200) throw new Error(`a normal request got ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * Opens SLOW_CONNECTIONS connections that send `opening` and then trickle; once they are all sending, three
 * normal requests run one after another and must all complete before any slow connection is closed. Then
 * every slow connection must be closed by the gateway (the trickle never finishes a request, so a close is
 * the gateway's). The row's result is the first slow connection's, `closed` only if the gateway closed every
 * one while it was still trickling: a close after the client ran out of bytes to send did not stop it.
 */
async function slowloris(port: number, opening: string): Promise<WireResult> {
  let closedEarly = 0;
  let normalsDone = false;
  const slow = Array.from({ length: SLOW_CONNECTIONS }, () =>
    exchange(port, [opening, ...trickle()], { timeoutMs: (TRICKLE_BYTES + 30) * 1000, stopOnAnswer: true }).then((result) => {
      closedEarly += normalsDone ? 0 : 1;
      return result;
    }),
  );
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 3; i++) await normalRequest(port);
  normalsDone = true;
  if (closedEarly > 0) throw new Error(`${closedEarly} slow connections ended before the normal requests completed: the order shows nothing`);
  const results = await Promise.all(slow);
  const open = results.filter((r) => !r.closed).length;
  if (open > 0) throw new Error(`${open} of ${SLOW_CONNECTIONS} slow connections were never closed by the gateway`);
  const first = wireResult(results[0]!);
  return { ...first, closed: results.every((r) => !r.wroteAll) };
}

/**
 * Opens a stream, reads until the first event arrives, then hangs up, as a client cancelling mid-answer
 * does. Resolves with what it read once the upstream request was aborted too (the gateway passed the
 * cancel on instead of reading the rest for nobody).
 */
function abortMidStream(port: number, upstream: MockUpstream): Promise<WireResult> {
  const index = upstream.requests.length;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(chatRequest("faulty-x", true)));
    let data = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (!data.includes("data: ")) return;
      socket.removeAllListeners("data");
      socket.destroy();
      const parsed = parseResponse(data);
      upstream.waitForAbort(index, 10_000).then(() => resolve({ status: parsed?.status ?? null, body: parsed?.body.toString("utf8") ?? "", closed: false }), reject);
    });
  });
}

/** What the first slow connection must get before the close. */
const TIMED_OUT: Expectation = { status: 408, errorType: "invalid_request_error", closed: true };

/** `upstreams` is read when a row runs (the mocks start in beforeAll, after the table is built). */
export function slowClientRows(upstreams: Upstreams, backend: Backend): HostileRow[] {
  const closedByUws = backend === "uws" ? { why: "uWS closes a connection that trickles without a response", today: { status: null, closed: true } } : undefined;
  return [
    {
      name: `slowloris headers: ${SLOW_CONNECTIONS} connections trickling a header are closed, a normal client is answered meanwhile`,
      send: (port) => slowloris(port, "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: "),
      expect: TIMED_OUT,
      knownGap: closedByUws,
    },
    {
      name: `slowloris body: ${SLOW_CONNECTIONS} connections trickling a declared body are closed, a normal client is answered meanwhile`,
      send: (port) => slowloris(port, "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"),
      expect: TIMED_OUT,
      knownGap: closedByUws,
    },
    {
      name: "client hangs up mid-stream: the upstream request is cancelled",
      send: (port) => {
        upstreams.faulty.script({ kind: "slowStream", chunks: 200, intervalMs: 50 });
        return abortMidStream(port, upstreams.faulty);
      },
      expect: { status: 200, closed: false },
      scriptsUpstream: true,
    },
  ];
}
