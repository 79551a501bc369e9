// Raw-socket conversations with a gateway, for inputs no HTTP client library will send: bytes that are not
// HTTP, lying Content-Lengths, pipelined requests, heads that never end. A script writes its steps, then
// reads every response the server sends back (framed by Content-Length) and whether it closed the connection.
import net from "node:net";

/** What came back on the wire: the first response's status and body, every status in order, and whether the server closed. */
export interface WireResult {
  status: number | null;
  body: string;
  closed: boolean;
  /** Each response's status in the order they arrived (pipelined requests have several). */
  statuses?: number[];
}

export interface HostileRow {
  name: string; // what a reader sees in the test name
  send: (port: number) => Promise<WireResult>; // raw socket script
  expect: {
    status: number | null;
    /** The error's `type` (OpenAI: error.type; Anthropic: error.type inside the error envelope). */
    errorType?: string;
    closed: boolean;
    /** Whose error shape the body has. */
    api?: "openai" | "anthropic";
    /** Every response's status, in order, when several requests went out on the connection. */
    statuses?: number[];
  };
}

/** A step of a script: bytes to write, or a pause (ms) between writes. */
export type Step = string | Buffer | { pauseMs: number };

export interface Conversation {
  /** Responses to wait for before judging whether the server keeps the connection (default 1). */
  responses?: number;
  /** How long to wait for the responses, or for the server to close without any (default 15 s). */
  waitMs?: number;
  /** After the responses: how long a server that will close gets to do it (default 500 ms). */
  graceMs?: number;
}

interface Parsed {
  status: number;
  body: string;
}

/** Complete responses at the front of `buffer` (Content-Length framing; the gateway answers nothing else here) and the bytes left. */
function parseResponses(buffer: Buffer): { responses: Parsed[]; rest: Buffer } {
  const responses: Parsed[] = [];
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) break;
    const head = rest.subarray(0, end).toString("latin1");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (rest.length < end + 4 + length) break;
    responses.push({ status, body: rest.subarray(end + 4, end + 4 + length).toString("utf8") });
    rest = rest.subarray(end + 4 + length);
  }
  return { responses, rest };
}

/** Writes `steps` on a new connection to 127.0.0.1:`port` and reports what the server did. */
export function converse(port: number, steps: Step[], options: Conversation = {}): Promise<WireResult> {
  const wanted = options.responses ?? 1;
  const waitMs = options.waitMs ?? 15_000;
  const graceMs = options.graceMs ?? 500;
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received: Buffer = Buffer.alloc(0);
    let responses: Parsed[] = [];
    let closed = false;
    let settled = false;
    let grace: NodeJS.Timeout | null = null;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (grace !== null) clearTimeout(grace);
      socket.destroy();
      resolve({ status: responses[0]?.status ?? null, body: responses[0]?.body ?? "", closed, statuses: responses.map((r) => r.status) });
    };
    const overall = setTimeout(finish, waitMs);
    socket.on("data", (chunk) => {
      const parsed = parseResponses(Buffer.concat([received, chunk]));
      responses = responses.concat(parsed.responses);
      received = parsed.rest;
      if (responses.length >= wanted && grace === null) grace = setTimeout(finish, graceMs);
    });
    // The server's FIN (or a reset) is what "closed" means to a client.
    socket.on("end", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => {
      closed = true;
      finish();
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    void (async () => {
      for (const step of steps) {
        if (settled || socket.destroyed) return;
        if (typeof step === "object" && !Buffer.isBuffer(step)) await new Promise((r) => setTimeout(r, step.pauseMs));
        else socket.write(step);
      }
    })();
  });
}
