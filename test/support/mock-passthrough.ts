// A loopback stand-in for the OpenAI and Anthropic endpoints Switchyard passes through unread (files,
// batches, audio, moderations, message batches): it records every request with its body as raw bytes, so a
// test can check that what the provider received is byte for byte what the client sent, and answers with
// the shapes the official SDKs parse, or with binary bodies written in several chunks.
// @see https://platform.openai.com/docs/api-reference/files
// @see https://docs.anthropic.com/en/api/creating-message-batches
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RawRequest {
  readonly method: string;
  /** Path and query string, as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export type Answer = (req: RawRequest, res: ServerResponse) => void;

export interface PassthroughMock {
  readonly url: string;
  readonly requests: readonly RawRequest[];
  /** Body bytes received so far by requests whose body has not ended yet. */
  inflightBytes(): number;
  /** Replaces the answer for requests whose `METHOD path` (no query) equals `route`. */
  on(route: string, answer: Answer): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes `bytes` in `parts` chunks a few milliseconds apart, chunked, as a provider streaming audio does. */
export function chunked(res: ServerResponse, contentType: string, bytes: Buffer, parts = 8): void {
  res.writeHead(200, { "content-type": contentType });
  const size = Math.ceil(bytes.length / parts);
  let at = 0;
  const next = () => {
    if (at >= bytes.length) return res.end();
    res.write(bytes.subarray(at, at + size));
    at += size;
    setTimeout(next, 3);
  };
  next();
}

export async function startPassthroughMock(answers: Record<string, Answer>): Promise<PassthroughMock> {
  const requests: RawRequest[] = [];
  const routes = new Map(Object.entries(answers));
  const progress = new Set<{ bytes: number }>();
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const seen = { bytes: 0 };
    progress.add(seen);
    req.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      seen.bytes += chunk.length;
    });
    req.on("end", () => {
      progress.delete(seen);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
      const recorded: RawRequest = { method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      const answer = routes.get(`${req.method} ${req.url!.split("?")[0]}`);
      if (answer !== undefined) answer(recorded, res);
      else json(res, 404, { error: { message: `mock: no answer for ${req.method} ${req.url}`, type: "invalid_request_error" } });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inflightBytes: () => [...progress].reduce((sum, p) => sum + p.bytes, 0),
    on: (route, answer) => void routes.set(route, answer),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
