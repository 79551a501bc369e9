// One attempt against a command provider: the conversation goes to a local CLI as one prompt, and what it
// prints on stdout comes back as the assistant's text, in the client's own API, streamed or as one body.
//
// The rules of runtime/attempts/http.ts hold. Nothing is sent before the CLI's first visible output, so a
// run that fails at once (missing executable, non-zero exit, only stderr) is `failed` and the route falls
// back; a non-stream answer is sent only after a clean exit, so every failure of one is `failed`. Once a
// stream has started, a non-zero exit or a timeout cuts the connection (client.close) and the attempt is
// `relayed` with an error. A run that exits 0 having printed nothing is `failed` too: an empty answer
// is never what the client wanted, and another target may give one.
//
// Timing (see CommandUpstream.timeoutMs): the wait for a slot and the run are each bounded by timeoutMs.
// The attempt settles only once the process has gone, so a finished attempt leaves nothing running.
import { StringDecoder } from "node:string_decoder";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { ClientSink } from "../client/response.ts";
import type { AttemptOutcome, AttemptRequest } from "../attempts/http.ts";
import type { ResponseSummary } from "../streams/stream-tap.ts";
import { createAnsiStripper } from "./ansi.ts";
import { estimatedUsage, estimateTokens } from "./estimate.ts";
import type { Release } from "./limiter.ts";
import { spawnCommand, stopCommand } from "./process.ts";
import { renderPrompt } from "./prompt.ts";
import { createRenderer, type TextRenderer } from "./render.ts";
import type { CommandUpstream } from "./types.ts";
import { deadlines } from "../timers/deadline-wheel.ts";

/** Stderr kept for a failure's reason: its last characters, where CLIs put the actual error. */
const ERROR_TEXT_CAP = 300;
/** A non-stream answer is held in memory until exit; a CLI printing more than this is stopped. */
const WHOLE_OUTPUT_CAP = 16 << 20;

export async function attemptCommand(request: AttemptRequest, body: unknown, upstream: CommandUpstream, client: ClientSink): Promise<AttemptOutcome> {
  const started = performance.now();
  const slot = await waitForSlot(upstream, client);
  if (typeof slot !== "function") {
    const latencyMs = performance.now() - started;
    if (slot === "gone") return { kind: "client-gone", latencyMs };
    const reason = slot === "busy" ? `busy: ${upstream.limiter.maxConcurrent} running, ${upstream.limiter.maxQueued} waiting` : `busy: no free slot within ${upstream.timeoutMs} ms`;
    return { kind: "failed", status: null, latencyMs, reason, timeout: slot === "timeout" };
  }
  try {
    return await run(request, body, upstream, client, started);
  } finally {
    slot();
  }
}

/** A slot, or why there is none: the queue is full, the wait timed out, or the client went away. */
async function waitForSlot(upstream: CommandUpstream, client: ClientSink): Promise<Release | "busy" | "timeout" | "gone"> {
  if (client.aborted) return "gone";
  const gate = new AbortController();
  let timedOut = false;
  const timer = deadlines.schedule(upstream.timeoutMs, () => {
    timedOut = true;
    gate.abort();
  });
  client.onAbort(() => gate.abort());
  try {
    const slot = await upstream.limiter.acquire(gate.signal);
    if (slot === "aborted") return timedOut ? "timeout" : "gone";
    if (slot !== "busy" && client.aborted) {
      slot();
      return "gone";
    }
    return slot;
  } finally {
    timer.cancel();
    client.onAbort(null);
  }
}

function run(request: AttemptRequest, body: unknown, upstream: CommandUpstream, client: ClientSink, started: number): Promise<AttemptOutcome> {
  const prompt = renderPrompt(request.api, body);
  const inputTokens = estimateTokens(prompt.length);
  const renderer = createRenderer(request.api, {
    id: request.api === "openai" ? `chatcmpl-${request.requestId}` : `msg_${request.requestId}`,
    model: request.model,
    created: Math.floor(Date.now() / 1000),
    includeUsage: (body as { stream_options?: { include_usage?: unknown } } | null)?.stream_options?.include_usage === true,
    inputTokens,
  });
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawnCommand(upstream, prompt);
  } catch (error) {
    const reason = `cannot run ${upstream.command}: ${(error as Error).message}`;
    return Promise.resolve({ kind: "failed", status: null, latencyMs: performance.now() - started, reason, timeout: false });
  }
  return new Promise((resolve) => relay({ request, upstream, client, child, renderer, inputTokens, started }, resolve));
}

interface Run {
  readonly request: AttemptRequest;
  readonly upstream: CommandUpstream;
  readonly client: ClientSink;
  readonly child: ChildProcessWithoutNullStreams;
  readonly renderer: TextRenderer;
  readonly inputTokens: number;
  /** performance.now() when the attempt began, queue wait included. */
  readonly started: number;
}

/** Why the gateway stopped the run, if it did. */
type StopCause = "timeout" | "client" | "too-large";

/** Streams the run's output to the client as it comes, and settles once the process has closed. */
function relay(run: Run, resolve: (outcome: AttemptOutcome) => void): void {
  const { request, upstream, client, child, renderer, inputTokens, started } = run;
  const keepText = request.assemble || !request.stream;
  const stdout = new StringDecoder("utf8");
  const stdoutAnsi = createAnsiStripper();
  const stderr = new StringDecoder("utf8");
  const stderrAnsi = createAnsiStripper();
  let stderrTail = "";
  let text = "";
  let outputChars = 0;
  let began = false;
  let ttfbMs = -1;
  let stopped: StopCause | null = null;
  let spawnError: Error | null = null;

  const stop = (cause: StopCause) => {
    if (stopped !== null) return;
    stopped = cause;
    stopCommand(child);
  };
  // The slot wait and the run share the process's deadline wheel: each fires within one tick of its time.
  const timer = deadlines.schedule(upstream.timeoutMs, () => stop("timeout"));
  client.onAbort(() => stop("client"));
  if (client.aborted) stop("client");

  const emit = (piece: string) => {
    if (piece === "" || stopped !== null) return;
    outputChars += piece.length;
    if (keepText) text += piece;
    if (!request.stream) {
      if (text.length > WHOLE_OUTPUT_CAP) stop("too-large");
      return;
    }
    if (!began) {
      began = true;
      ttfbMs = performance.now() - request.receivedAt;
      // The CLI's stdout is the source ClientResponse pauses while the client is behind.
      client.begin(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-switchyard-request-id": request.requestId }, child.stdout);
      client.write(renderer.open());
    }
    client.write(renderer.delta(piece));
  };

  child.stdout.on("data", (chunk: Buffer) => emit(stdoutAnsi.push(stdout.write(chunk))));
  child.stderr.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + stderrAnsi.push(stderr.write(chunk))).slice(-ERROR_TEXT_CAP);
  });
  child.on("error", (error) => {
    // Spawn failures (ENOENT, EACCES); `close` follows. Errors of a kill are not the run's.
    if (child.pid === undefined) spawnError = error;
  });

  child.on("close", (code, signal) => {
    timer.cancel();
    client.onAbort(null);
    emit(stdoutAnsi.push(stdout.end()) + stdoutAnsi.end());
    stderrTail = (stderrTail + stderrAnsi.push(stderr.end())).slice(-ERROR_TEXT_CAP).trim();
    const latencyMs = performance.now() - started;
    const summary = (): ResponseSummary => ({
      usage: estimatedUsage(inputTokens, estimateTokens(outputChars)),
      usageEstimated: true,
      text,
      reasoning: "",
      toolCalls: [],
      finishReason: renderer.finishReason,
      error: null,
    });
    const failed = (reason: string, timeout = false): AttemptOutcome => ({ kind: "failed", status: null, latencyMs, reason, timeout });
    const cut = (error: string): AttemptOutcome => {
      // Bytes already went out: no fallback, so the client must see a truncated stream, not a short one.
      client.close();
      return { kind: "relayed", status: 200, latencyMs, ttfbMs, summary: summary(), responseBody: undefined, error };
    };
    const withStderr = (what: string) => (stderrTail === "" ? what : `${what}: ${stderrTail}`);

    if (client.aborted || stopped === "client") return resolve({ kind: "client-gone", latencyMs });
    if (spawnError !== null) {
      const code = (spawnError as NodeJS.ErrnoException).code ?? spawnError.message;
      return resolve(failed(`cannot run ${upstream.command}: ${code}`));
    }
    if (stopped === "timeout") {
      const what = `timed out after ${upstream.timeoutMs} ms`;
      return resolve(began ? cut(what) : failed(withStderr(what), true));
    }
    if (stopped === "too-large") return resolve(failed(`output exceeds ${WHOLE_OUTPUT_CAP} characters`));
    if (code !== 0) {
      const what = withStderr(code === null ? `command killed by ${signal}` : `command exited with code ${code}`);
      return resolve(began ? cut(what) : failed(what));
    }
    if (outputChars === 0) return resolve(failed(withStderr("command exited with code 0 without output")));
    const usage = estimatedUsage(inputTokens, estimateTokens(outputChars));
    if (request.stream) {
      client.write(renderer.close(usage));
      client.end();
      return resolve({ kind: "relayed", status: 200, latencyMs, ttfbMs, summary: summary(), responseBody: undefined });
    }
    const responseBody = renderer.body(text, usage);
    client.send(200, { "content-type": "application/json", "x-switchyard-request-id": request.requestId }, responseBody);
    resolve({ kind: "relayed", status: 200, latencyMs, ttfbMs: performance.now() - request.receivedAt, summary: summary(), responseBody });
  });
}
