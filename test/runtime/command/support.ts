// What the command tests share: a ClientResponse stand-in that records what the attempt sends, request and
// upstream builders, an SSE reader, and a check that a process is really gone.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createParser } from "eventsource-parser";
import type { ClientResponse, Pausable } from "../../../runtime/client/response.ts";
import type { ClientApi } from "../../../runtime/contract.ts";
import type { AttemptRequest } from "../../../runtime/attempts/http.ts";
import type { CommandUpstream } from "../../../runtime/command/types.ts";
import { createCommandUpstream, type CommandUpstreamOptions } from "../../../runtime/command/upstream.ts";

export const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/commands/${name}`, import.meta.url));

/** A command provider running one of test/fixtures/commands with this Node. */
export function nodeUpstream(script: string, options: Partial<CommandUpstreamOptions> = {}): CommandUpstream {
  return createCommandUpstream({
    name: "cli",
    command: process.execPath,
    args: [fixture(script)],
    prompt: "stdin",
    timeoutMs: 10_000,
    maxConcurrent: 4,
    env: {},
    ...options,
  });
}

export function attemptRequest(api: ClientApi, body: { model?: string; stream?: boolean }, assemble = true): AttemptRequest {
  const raw = JSON.stringify(body);
  return {
    api,
    model: body.model ?? "cli-model",
    stream: body.stream === true,
    raw,
    rawBytes: Buffer.from(raw),
    headers: {},
    client: { key: null, keyId: null, account: null, ip: "127.0.0.1" },
    requestId: "req-1",
    receivedAt: performance.now(),
    assemble,
  };
}

/** Records the calls ClientResponse would turn into bytes on the wire. */
export class FakeClient {
  aborted = false;
  started = false;
  finished = false;
  status = 0;
  headers: Readonly<Record<string, string>> = {};
  source: Pausable | null = null;
  readonly writes: string[] = [];
  body: string | null = null;
  closed = false;
  ended = false;
  /** Called after every write, e.g. to push back as a slow client would. */
  onWrite: ((client: FakeClient) => void) | null = null;
  private abortHandler: (() => void) | null = null;

  get client(): ClientResponse {
    return this as unknown as ClientResponse;
  }

  /** Everything written, as one string: the SSE stream or the JSON body. */
  get output(): string {
    return this.body ?? this.writes.join("");
  }

  onAbort(handler: (() => void) | null): void {
    this.abortHandler = handler;
  }

  /** The client goes away. */
  abort(): void {
    this.aborted = true;
    const handler = this.abortHandler;
    this.abortHandler = null;
    handler?.();
  }

  send(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array): void {
    if (this.aborted || this.finished) return;
    this.started = this.finished = true;
    this.status = status;
    this.headers = headers;
    this.body = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  }

  begin(status: number, headers: Readonly<Record<string, string>>, source: Pausable | null = null): void {
    if (this.aborted || this.started) return;
    this.started = true;
    this.status = status;
    this.headers = headers;
    this.source = source;
  }

  write(chunk: Uint8Array | string): void {
    if (this.aborted || this.finished) return;
    if (!this.started) throw new Error("write before begin");
    this.writes.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    this.onWrite?.(this);
  }

  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = this.ended = true;
  }

  close(): void {
    if (this.aborted || this.finished) return;
    this.finished = this.closed = true;
  }
}

export interface SseEvent {
  event: string | undefined;
  data: string;
}

/** The events of an SSE stream; fails the test on a byte that is not part of a whole event. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  if (!text.endsWith("\n\n")) throw new Error(`stream does not end with a whole event: ${JSON.stringify(text.slice(-40))}`);
  return events;
}

/** False once the process is gone (a zombie nobody has reaped yet counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
