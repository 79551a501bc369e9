// The last N finished requests for the dashboard's "latest requests" page and its drill-down: a ring of
// shallow copies of their log records. Bodies are kept only when the request log keeps them (logs.bodies),
// and within a fixed budget: a body over MAX_BODY_CHARS is not kept, and when all kept bodies together pass
// BODY_BUDGET_CHARS the oldest entries lose theirs, so memory stays bounded whatever clients send.
// Secrets and routes.yaml's `logs.redact` rules are applied when an entry is read (the request log's own
// redaction, runtime/log/), not here: reads are rare, requests are not.
import { assembleStreamResponse, type RequestLogRecord } from "../log/request-log.ts";
import { redactSecrets } from "../log/secrets.ts";
import { redactRaw, redactValue, type LogRedaction } from "../log/redact.ts";
import type { RequestDetail, RequestSummary } from "../endpoints/dashboard-api.ts";

/** Bodies above this (request and response counted separately) stay in the request log only. */
export const MAX_BODY_CHARS = 256 * 1024;
/** All bodies the ring holds, together. */
export const BODY_BUDGET_CHARS = 32 * 1024 * 1024;

interface Entry {
  readonly record: RequestLogRecord;
  /** Characters of body text this entry holds (0 when it holds none). */
  bodyChars: number;
  omitted: string | undefined;
}

/** A stream not yet assembled counts its bytes, which bound its text (JSON escapes and UTF-8 only shrink it). */
function bodyLength(record: RequestLogRecord): number {
  return (
    (record.request_body?.length ?? 0) +
    (record.response_body?.length ?? 0) +
    (record.response?.text.length ?? 0) +
    (record.response?.reasoning?.length ?? 0) +
    (record.response_stream?.bytes.byteLength ?? 0)
  );
}

/**
 * Only fields the record has are cleared: adding a property to a spread copy sends V8 down a slow path
 * (about 5 µs a request, measured, against 0.1 µs).
 */
function dropBodies(record: RequestLogRecord): void {
  if (record.request_body !== undefined) record.request_body = undefined;
  if (record.response_body !== undefined) record.response_body = undefined;
  if (record.response !== undefined) record.response = undefined;
  if (record.response_stream !== undefined) record.response_stream = undefined;
}

export interface RequestFilter {
  /** "error": status >= 400; "ok": below. */
  readonly outcome?: "ok" | "error";
  readonly model?: string;
  readonly keyId?: string;
  readonly route?: string;
}

export class RecentRequests {
  private readonly ring: Array<Entry | undefined>;
  /** Where the next entry goes; the ring is full once `size` reaches its length. */
  private next = 0;
  private size = 0;
  private bodyChars = 0;
  /** The oldest entry that may still hold bodies, as an index into the ring counted from `next - size`. */
  private oldestWithBodies = 0;

  constructor(
    readonly capacity: number,
    private readonly keepBodies: boolean,
    /** routes.yaml's `logs.redact` rules: what a sink would not keep, the page does not show either. */
    private readonly redact?: LogRedaction,
  ) {
    this.ring = new Array(Math.max(1, capacity));
  }

  get count(): number {
    return this.size;
  }

  add(record: RequestLogRecord): void {
    // A shallow copy: the log record's own object is the request log's, and its bodies must not be held
    // here unless the log keeps them.
    const kept: RequestLogRecord = { ...record };
    let omitted: string | undefined;
    let chars = 0;
    if (!this.keepBodies) dropBodies(kept);
    else {
      chars = bodyLength(kept);
      if (chars > MAX_BODY_CHARS) {
        dropBodies(kept);
        omitted = `bodies of ${chars} characters are larger than the live view keeps (${MAX_BODY_CHARS}); the request log has them`;
        chars = 0;
      } else if (kept.response_stream !== undefined) {
        // The request log's thread takes the stream's bytes (a transfer empties this thread's view of them):
        // a copy is kept, and assembled only if this request is opened (detailJson).
        const stream = kept.response_stream;
        kept.response_stream = { api: stream.api, bytes: stream.bytes.slice(), finishReason: stream.finishReason };
      }
    }
    const slot = this.next;
    const evicted = this.ring[slot];
    if (evicted !== undefined) this.bodyChars -= evicted.bodyChars;
    this.ring[slot] = { record: kept, bodyChars: chars, omitted };
    this.next = (slot + 1) % this.ring.length;
    if (this.size < this.ring.length) this.size += 1;
    else if (this.oldestWithBodies > 0) this.oldestWithBodies -= 1;
    this.bodyChars += chars;
    if (this.bodyChars > BODY_BUDGET_CHARS) this.trimBodies();
  }

  /** Drops the bodies of the oldest entries until the rest fit the budget (amortised: each entry once). */
  private trimBodies(): void {
    const length = this.ring.length;
    const start = this.next - this.size + length;
    while (this.bodyChars > BODY_BUDGET_CHARS && this.oldestWithBodies < this.size - 1) {
      const entry = this.ring[(start + this.oldestWithBodies) % length]!;
      this.oldestWithBodies += 1;
      if (entry.bodyChars === 0) continue;
      this.bodyChars -= entry.bodyChars;
      entry.bodyChars = 0;
      dropBodies(entry.record);
      entry.omitted = "bodies pushed out of the live view by newer requests; the request log has them";
    }
  }

  /** Newest first, at most `limit`, those matching `filter`. */
  list(limit: number, filter: RequestFilter = {}): RequestSummary[] {
    const out: RequestSummary[] = [];
    const length = this.ring.length;
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const record = this.ring[(this.next - i + length) % length]!.record;
      if (filter.outcome !== undefined && (record.status >= 400) !== (filter.outcome === "error")) continue;
      if (filter.model !== undefined && record.model !== filter.model) continue;
      if (filter.keyId !== undefined && record.key_id !== filter.keyId) continue;
      if (filter.route !== undefined && record.route !== filter.route) continue;
      out.push(summarise(record));
    }
    return out;
  }

  /** One request by id, as JSON text with secrets redacted; null when it is no longer (or never was) here. */
  detailJson(id: string): string | null {
    const length = this.ring.length;
    for (let i = 1; i <= this.size; i++) {
      const entry = this.ring[(this.next - i + length) % length]!;
      if (entry.record.id !== id) continue;
      const stream = entry.record.response_stream;
      if (stream !== undefined) {
        // Assembled once, when first shown; its charge against the budget stays the bytes'.
        entry.record.response = assembleStreamResponse(stream);
        entry.record.response_stream = undefined;
      }
      const detail: RequestDetail = entry.omitted === undefined ? { ...entry.record } : { ...entry.record, bodies_omitted: entry.omitted };
      const rules = this.redact;
      if (rules !== undefined) {
        if (detail.request_body !== undefined) detail.request_body = redactRaw(detail.request_body, rules).text;
        if (detail.response_body !== undefined) detail.response_body = redactRaw(detail.response_body, rules).text;
        if (detail.response !== undefined) detail.response = redactValue(structuredClone(detail.response), rules) as typeof detail.response;
      }
      return redactSecrets(JSON.stringify(detail));
    }
    return null;
  }
}

function summarise(record: RequestLogRecord): RequestSummary {
  const last = record.attempts.length === 0 ? undefined : record.attempts[record.attempts.length - 1];
  return {
    id: record.id,
    time: record.time,
    key_id: record.key_id,
    key_name: record.key_name ?? null,
    route: record.route,
    api: record.api,
    path: record.path,
    model: record.model,
    stream: record.stream,
    status: record.status,
    latency_ms: record.latency_ms,
    ttfb_ms: record.ttfb_ms,
    served_by: last === undefined ? null : `${last.provider}:${last.model}`,
    attempts: record.attempts.length,
    input_tokens: record.usage?.prompt_tokens ?? null,
    output_tokens: record.usage?.completion_tokens ?? null,
    cost_usd: record.cost_usd ?? null,
    error: record.error ?? null,
  };
}
