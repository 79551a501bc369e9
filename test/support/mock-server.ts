// What every loopback mock upstream shares, whatever API it imitates: a script of behaviours (first in,
// first out, then a default), timers that close() cancels, waiting for requests, and listening on
// 127.0.0.1 only. Each mock (mock-upstream.ts, mock-gemini.ts, mock-ollama.ts) adds its API's wire format.
import { createServer, type IncomingMessage, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";

export const DEFAULT_WAIT_MS = 2000;

export interface MockCore<B> {
  /** The next scripted behaviour, or the default once the script is used up. */
  next(): B;
  script(...behaviours: B[]): void;
  /** setTimeout that close() cancels. */
  later(ms: number, fn: () => void): void;
  /** Call after each recorded request, so waitUntil re-checks. */
  notify(): void;
  /** Rejects with "<name>: no <what> within <timeoutMs> ms (<detail>)". */
  waitUntil(done: () => boolean, timeoutMs: number, what: string, detail?: () => string): Promise<void>;
  /** True once close() has begun: connections it drops are not the client's doing. */
  readonly closing: boolean;
  /** Starts the server on a free loopback port. */
  listen(handler: RequestListener): Promise<{ url: string; port: number }>;
  /** Drops every open connection (releasing hung requests) and stops listening. */
  close(): Promise<void>;
}

export function createMockCore<B>(name: string, fallback: B): MockCore<B> {
  const queue: B[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let server: ReturnType<typeof createServer> | null = null;
  let closing = false;
  return {
    next: () => queue.shift() ?? fallback,
    script: (...behaviours) => void queue.push(...behaviours),
    later(ms, fn) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    },
    notify() {
      for (const waiter of [...waiters]) waiter();
    },
    waitUntil(done, timeoutMs, what, detail) {
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = (): void => {
          if (!done()) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms${detail ? ` (${detail()})` : ""}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    get closing() {
      return closing;
    },
    async listen(handler) {
      const s = createServer(handler);
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve());
      });
      const { port } = s.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, port };
    },
    async close() {
      if (closing || server === null) return;
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const s = server;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      await closed;
    },
  };
}

export function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  return headers;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Splits text after whitespace, so streamed increments look like tokens: "Hello world" → "Hello ", "world". */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\s)(?=\S)/).filter((piece) => piece !== "");
}
