// A route's `record:` setting: every conversation on the route becomes a scenario file in `dir`, which a
// `scenario` provider plays back (byte for byte to the same client, runtime/scenario/record/replay.ts).
//
// What one conversation is (docs/recording.md):
// - a request whose history has no assistant turn starts a new file;
// - a request whose history, up to its last assistant turn, is the history of a recorded response plus that
//   response's reply (runtime/scenario/record/history.ts) continues that response's file, within the same
//   session: the `x-switchyard-session` header if sent, else the client key's id, else "default". Parallel
//   conversations therefore never share a file, even with the same prompt, as long as their replies differ
//   (tool call ids always do) or their sessions do;
// - a request that continues a file from an earlier turn than its last (a retry, or an edited history) forks:
//   a new file with that file's first turns, then this response;
// - a request with assistant turns that continues nothing recorded (its start was not recorded here, or the
//   gateway restarted) starts a new file whose first turns are written from its history (readable events only).
// Only complete 2xx answers are recorded; errors, broken streams and clients that left are not.
//
// Nothing here runs on the response path: the relay only hands chunks to a ResponseCapture; `finish` queues
// the rest for a later turn of the event loop (setImmediate), and each file is appended to in order, one write
// at a time, without waiting for the previous request.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { appLog } from "../../log/app-log.ts";
import { redactValue, type LogRedaction } from "../../log/redact.ts";
import { redactSecrets } from "../../log/secrets.ts";
import { createStreamTap, summarizeBody, type ResponseSummary, type ToolCallSummary } from "../../streams/stream-tap.ts";
import { createUtf8Chunks } from "../../streams/utf8-chunks.ts";
import type { TimedText } from "../types.ts";
import { ResponseCapture } from "./capture.ts";
import { assistantTurns, historyDigest, historyTurns, lastUserText, reduceHistory, reduceReply, throughLastAssistant, type RecordApi } from "./history.ts";
import { fileHeader, responseItem, type ReadableResponse, type RecordedBytes } from "./yaml.ts";

export interface RecordSettings {
  /** Folder of the files, relative to the working directory. */
  readonly dir: string;
  /** The route's id: in file names and headers. */
  readonly route: string;
}

/** What the chat endpoint hands over once a recorded request's response ended. */
export interface FinishedExchange {
  readonly api: RecordApi;
  readonly stream: boolean;
  /** The parsed request body. */
  readonly body: unknown;
  readonly session: string;
  readonly capture: ResponseCapture;
  /** The request log's rules (`logs.redact` and friends); absent: keys and key shapes only. */
  readonly redact: LogRedaction | undefined;
}

/** Conversations remembered for continuation; the oldest are forgotten past this (their files stay). */
const MAX_EXPECTED = 10_000;

interface Conversation {
  readonly file: string;
  /** Responses written (or queued) so far. */
  turns: number;
  /** Appends in order: each write starts when the previous one ended. */
  writes: Promise<void>;
}

/** Where each timeline item of a recording starts: its `# turn N` comment (comments are one line, strings too). */
const ITEM_START = /\n(?= {2}# turn \d+)/;

export class ConversationRecorder {
  /** History digest → the conversation that history continues, and its turn. */
  private readonly expected = new Map<string, { conversation: Conversation; turn: number }>();
  private dirReady: Promise<unknown> | null = null;

  constructor(private readonly settings: RecordSettings) {}

  /** Attached to the client response before the first byte goes out. */
  capture(receivedAt: number): ResponseCapture {
    return new ResponseCapture(receivedAt);
  }

  /** The response ended: recorded on a later turn of the event loop, never in the way of the next request. */
  finish(exchange: FinishedExchange): void {
    setImmediate(() => {
      try {
        this.record(exchange);
      } catch (error) {
        appLog.error({ err: error, route: this.settings.route }, "record: a response could not be recorded");
      }
    });
  }

  private record(exchange: FinishedExchange): void {
    const { api, body, capture, redact } = exchange;
    const reply = readableOf(exchange);
    const scrub = scrubber(redact);
    const readable = scrubReadable(reply.readable, scrub);
    // The exact bytes are kept only when redaction finds nothing in them: a secret in a response is never
    // written, and that response replays from its (redacted) readable events instead.
    const clean = readable.changed || reply.frames.some(([, text]) => scrub(text) !== text) ? null : reply.frames;
    const recorded: RecordedBytes | null = clean === null ? null : { api, stream: exchange.stream, contentType: capture.contentType, frames: clean };
    const note = clean === null ? "exact bytes left out: redaction changed this response" : undefined;

    const history = reduceHistory(api, body);
    const turn = assistantTurns(history);
    const item = responseItem(turn, scrub(lastUserText(api, body)), readable.value, recorded, note);
    const found = turn === 0 ? undefined : this.expected.get(historyDigest(exchange.session, throughLastAssistant(history)));

    let conversation: Conversation;
    if (found !== undefined && found.conversation.turns === turn) {
      conversation = found.conversation;
      conversation.turns++;
      this.append(conversation, item);
    } else if (found !== undefined) {
      // A retry of an earlier turn, or an edited history: a new file with the source's first turns, read
      // back from it once its queued writes are done (nothing of a conversation is held in memory).
      const source = found.conversation;
      conversation = this.create(api, turn + 1, source.writes.then(() => readFile(source.file, "utf8")).then((text) => earlierItems(text, turn) + item));
    } else {
      // A new conversation, or one whose start this recorder never saw: its earlier turns from the history.
      const earlier = historyTurns(api, body).map((t, i) =>
        responseItem(i, "", scrubReadable({ text: t.text, reasoning: t.reasoning, toolCalls: t.toolCalls, firstMs: 0, restMs: 0 }, scrub).value, null, "from the request's history (not recorded here)"),
      );
      conversation = this.create(api, turn + 1, Promise.resolve(earlier.join("") + item));
    }
    this.remember(historyDigest(exchange.session, [...history, reduceReply(reply.readable.text, reply.readable.toolCalls)]), conversation, turn + 1);
  }

  private remember(digest: string, conversation: Conversation, turn: number): void {
    this.expected.delete(digest);
    this.expected.set(digest, { conversation, turn });
    if (this.expected.size > MAX_EXPECTED) this.expected.delete(this.expected.keys().next().value!);
  }

  private create(api: RecordApi, turns: number, items: Promise<string>): Conversation {
    const now = new Date();
    const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const name = `${this.settings.route}-${stamp}-${randomBytes(3).toString("hex")}`;
    const file = path.join(this.settings.dir, `${name}.yaml`);
    const conversation: Conversation = { file, turns, writes: Promise.resolve() };
    this.dirReady ??= mkdir(this.settings.dir, { recursive: true });
    const head = fileHeader({ name, route: this.settings.route, api, startedAt: now.toISOString() });
    conversation.writes = Promise.all([this.dirReady, items])
      .then(([, text]) => appendFile(file, head + text, { flag: "wx" }))
      .catch((error) => this.failed(file, error));
    return conversation;
  }

  private append(conversation: Conversation, item: string): void {
    conversation.writes = conversation.writes.then(() => appendFile(conversation.file, item)).catch((error) => this.failed(conversation.file, error));
  }

  private failed(file: string, error: unknown): void {
    appLog.error({ err: error, file }, "record: could not write the recording");
  }
}

/** The first `turns` timeline items of a recording's text. */
function earlierItems(text: string, turns: number): string {
  const body = text.slice(text.indexOf("\ntimeline:\n") + "\ntimeline:\n".length);
  return body
    .split(ITEM_START)
    .slice(0, turns)
    .map((part) => (part.endsWith("\n") ? part : part + "\n"))
    .join("");
}

export function createRecorder(settings: RecordSettings): ConversationRecorder {
  return new ConversationRecorder(settings);
}

/** The response's bytes as frames of text, and its readable events. */
function readableOf(exchange: FinishedExchange): { frames: TimedText[]; readable: ReadableResponse } {
  const { capture, api } = exchange;
  const utf8 = createUtf8Chunks();
  const frames: TimedText[] = [];
  const stream = capture.contentType.startsWith("text/event-stream");
  const tap = stream ? createStreamTap(api, true) : null;
  const bytes: Uint8Array[] = [];
  let pending = 0;
  capture.pieces.forEach((piece, i) => {
    const buffer = typeof piece === "string" ? Buffer.from(piece) : piece;
    if (tap !== null) tap.push(buffer);
    else bytes.push(buffer);
    // A character split across two chunks is written whole with the second (the bytes joined are the same).
    const text = utf8.decode(buffer);
    pending += capture.gaps[i]!;
    if (text === "") return;
    frames.push([pending, text]);
    pending = 0;
  });
  const tail = utf8.end();
  if (tail !== "") frames.push([pending, tail]);
  const summary: ResponseSummary = tap !== null ? tap.finish() : summarizeBody(api, Buffer.concat(bytes));
  const firstMs = frames.length > 0 ? frames[0]![0] : 0;
  const totalMs = capture.gaps.reduce((sum, gap) => sum + gap, 0);
  return {
    frames,
    readable: { text: summary.text, reasoning: summary.reasoning, toolCalls: summary.toolCalls, firstMs, restMs: Math.max(0, totalMs - firstMs) },
  };
}

/** The request log's redaction for one string: the configured rules, then keys and key shapes. */
function scrubber(rules: LogRedaction | undefined): (text: string) => string {
  const text = rules?.text ?? null;
  return (value) => redactSecrets(text === null ? value : text(value));
}

/** The readable events redacted, and whether anything changed. */
function scrubReadable(readable: ReadableResponse, scrub: (text: string) => string): { value: ReadableResponse; changed: boolean } {
  const text = scrub(readable.text);
  const reasoning = scrub(readable.reasoning);
  let changed = text !== readable.text || reasoning !== readable.reasoning;
  const toolCalls: ToolCallSummary[] = readable.toolCalls.map((call) => {
    const name = scrub(call.name);
    const args = scrubArguments(call.arguments, scrub);
    if (name !== call.name || args !== call.arguments) changed = true;
    return { id: call.id, name, arguments: args };
  });
  return { value: { ...readable, text, reasoning, toolCalls }, changed };
}

/** A tool call's JSON arguments with every string value redacted (kept as they were when nothing changed). */
function scrubArguments(json: string, scrub: (text: string) => string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return scrub(json);
  }
  const before = JSON.stringify(parsed);
  const after = JSON.stringify(redactValue(parsed, { json: null, text: scrub } as unknown as LogRedaction));
  return after === before ? json : after;
}
