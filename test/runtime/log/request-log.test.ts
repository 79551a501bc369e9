import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newRequestId, type RequestLogRecord } from "../../../runtime/log/request-log.ts";
import { openRequestLog } from "../../../runtime/log/writer.ts";
import { RotatingLogFile, requestLogFileName } from "../../../runtime/log/rotating-log-file.ts";
import { redactSecrets, registerSecret } from "../../../runtime/log/secrets.ts";
import { appLog } from "../../../runtime/log/app-log.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-log-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const today = () => new Date().toISOString().slice(0, 10);

function record(overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id: newRequestId(),
    time: "2025-03-10T12:00:00.000Z",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    key_id: null,
    client_ip: "127.0.0.1",
    route: "gpt-4o",
    api: "openai",
    path: "/v1/chat/completions",
    model: "gpt-4o",
    stream: false,
    attempts: [{ provider: "openai", model: "gpt-4o-2024-08-06", status: 200, latency_ms: 812 }],
    status: 200,
    latency_ms: 815,
    upstream_latency_ms: 812,
    ttfb_ms: 640,
    usage: null,
    ...overrides,
  };
}

async function readLines(file: string): Promise<string[]> {
  const text = await readFile(join(dir, file), "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

describe("openRequestLog", () => {
  it("writes one JSON line per request with raw bodies spliced in as JSON values", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    const request = { model: "gpt-4o", messages: [{ role: "user", content: "line one\nline two — ✓" }], stream: false };
    const pretty = JSON.stringify(request, null, 2).replace(/\n/g, "\r\n");
    const response = '{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}';
    log.write(record({ request_body: pretty, response_body: response }));
    log.write(record({ stream: true, request_body: "{\n}", response: { text: "héllo", finish_reason: "stop" } }));
    await log.close();

    const lines = await readLines(`requests-${today()}.jsonl`);
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first.request_body).toEqual(request);
    expect(first.response_body).toEqual(JSON.parse(response));
    expect(first.attempts).toEqual([{ provider: "openai", model: "gpt-4o-2024-08-06", status: 200, latency_ms: 812 }]);
    // The raw text is kept as sent (no re-serialisation): its indentation survives, line breaks become spaces.
    expect(lines[0]).toContain('"request_body":{    "model": "gpt-4o",    "messages": [');
    expect(second.request_body).toEqual({});
    expect(second.response).toEqual({ text: "héllo", finish_reason: "stop" });
  });

  it("assembles a stream's bytes into the line's response, and never writes the bytes", async () => {
    const events = [
      { choices: [{ index: 0, delta: { reasoning_content: "Think " } }] },
      { choices: [{ index: 0, delta: { content: "héllo " } }] },
      { choices: [{ index: 0, delta: { content: "wörld" } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"a":' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "1}" } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
    ];
    const text = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + "data: [DONE]\n\n";
    const pending = () => ({ api: "openai" as const, bytes: new TextEncoder().encode(text), finishReason: "tool_calls" });
    const withBodies = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    const streamed = record({ stream: true, response_stream: pending() });
    withBodies.write(streamed);
    await withBodies.close();
    const [line] = await readLines(`requests-${today()}.jsonl`);
    expect(line).not.toContain("response_stream");
    expect(line).not.toContain("bytes");
    // The same object, key for key, that an assembled summary gave before (chat-endpoint.ts streamResponse).
    expect(line).toContain(
      '"response":{"text":"héllo wörld","finish_reason":"tool_calls","reasoning":"Think ","tool_calls":[{"id":"call_1","name":"f","arguments":"{\\"a\\":1}"}]}}',
    );
    // The caller's record is as it was.
    expect(streamed.response_stream?.bytes.byteLength).toBe(Buffer.byteLength(text));

    await rm(join(dir, `requests-${today()}.jsonl`));
    const withoutBodies = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: false });
    withoutBodies.write(record({ stream: true, response_stream: pending() }));
    await withoutBodies.close();
    const [bare] = await readLines(`requests-${today()}.jsonl`);
    expect(JSON.parse(bare!)).not.toHaveProperty("response");
    expect(bare).not.toContain("wörld");
  });

  it("logs a body that is not valid JSON as a JSON string", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    log.write(record({ request_body: '{"model": "gpt-4o",\n', response_body: "<html>502</html>" }));
    await log.close();
    const [line] = await readLines(`requests-${today()}.jsonl`);
    const parsed = JSON.parse(line!);
    expect(parsed.request_body).toBe('{"model": "gpt-4o",\n');
    expect(parsed.response_body).toBe("<html>502</html>");
  });

  it("leaves out bodies and assembled text when bodies is false", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: false });
    log.write(record({ request_body: '{"secret":"prompt"}', response_body: '{"a":1}', response: { text: "answer", finish_reason: "stop" } }));
    await log.close();
    const [line] = await readLines(`requests-${today()}.jsonl`);
    const parsed = JSON.parse(line!);
    expect(parsed).not.toHaveProperty("request_body");
    expect(parsed).not.toHaveProperty("response_body");
    expect(parsed).not.toHaveProperty("response");
    expect(parsed.status).toBe(200);
    expect(line).not.toContain("prompt");
  });

  it("redacts registered secrets and key-shaped strings", async () => {
    const upstreamKey = "upstream-key-7f3a9c2e\"quoted";
    registerSecret(upstreamKey);
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    const body = JSON.stringify({
      model: "gpt-4o",
      messages: [{ role: "user", content: `my key is ${upstreamKey} and sk-proj-AbCdEfGhIjKlMnOpQrStUv and Bearer eyJhbGciOi.xyz123` }],
    });
    log.write(record({ request_body: body, error: `upstream said: bad key ${upstreamKey}` }));
    await log.close();
    const text = await readFile(join(dir, `requests-${today()}.jsonl`), "utf8");
    expect(text).not.toContain("7f3a9c2e");
    expect(text).not.toContain("AbCdEfGhIjKlMnOpQrStUv");
    expect(text).not.toContain("eyJhbGciOi");
    const parsed = JSON.parse(text);
    expect(parsed.request_body.messages[0].content).toBe("my key is [REDACTED] and [REDACTED] and Bearer [REDACTED]");
    expect(parsed.error).toBe("upstream said: bad key [REDACTED]");
  });

  it("rotates by size into .1, .2, ... files", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 600, bodies: true });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = record({ request_body: JSON.stringify({ model: "gpt-4o", n: i }) });
      ids.push(r.id);
      log.write(r);
      // Lines are written in batches every few tens of milliseconds; rotation happens between batches.
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await log.close();
    const files = (await readdir(dir)).sort();
    const day = today();
    expect(files).toContain(`requests-${day}.jsonl`);
    expect(files).toContain(`requests-${day}.1.jsonl`);
    for (const file of files) expect(file).toMatch(new RegExp(`^requests-${day}(\\.\\d+)?\\.jsonl$`));
    const written: string[] = [];
    for (const file of files) for (const line of await readLines(file)) written.push(JSON.parse(line).id);
    expect(written.sort()).toEqual([...ids].sort());
  });

  it("close() flushes records written just before it, and later writes are dropped", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    for (let i = 0; i < 100; i++) log.write(record({ status: 200 + (i % 2) }));
    await log.close();
    expect(() => log.write(record())).not.toThrow();
    await log.close();
    expect(await readLines(`requests-${today()}.jsonl`)).toHaveLength(100);
  });

  it("spreads large bodies over several turns and still writes every line", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 30, bodies: true });
    const content = "y".repeat(700_000);
    for (let i = 0; i < 4; i++) log.write(record({ request_body: JSON.stringify({ i, content }) }));
    const file = join(dir, `requests-${today()}.jsonl`);
    const lineCount = async () => (await readFile(file, "utf8").catch(() => "")).split("\n").length - 1;
    for (let waited = 0; (await lineCount()) < 4 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(await lineCount()).toBe(4);
    await log.close();
    const lines = await readLines(`requests-${today()}.jsonl`);
    expect(lines.map((line) => JSON.parse(line).request_body.i)).toEqual([0, 1, 2, 3]);
  });

  it("snapshots the record at write time", async () => {
    const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true });
    const r = record();
    log.write(r);
    r.status = 599;
    r.attempts.push({ provider: "late", model: "x", status: null, latency_ms: 0 });
    await log.close();
    const [line] = await readLines(`requests-${today()}.jsonl`);
    expect(JSON.parse(line!)).toMatchObject({ status: 200, attempts: [{ provider: "openai" }] });
  });

  it("never throws when the directory cannot be written, reports the outage once to the application log and counts what it lost", async () => {
    const blocker = join(dir, "not-a-dir");
    await writeFile(blocker, "");
    const errors = vi.spyOn(appLog, "error").mockImplementation(() => undefined);
    const log = openRequestLog({ dir: join(blocker, "logs"), maxSizeBytes: 1 << 20, bodies: true });
    expect(() => log.write(record())).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(() => log.write(record())).not.toThrow();
    for (let i = 0; i < 20; i++) log.write(record());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log.health()).toMatchObject({ sink: "jsonl", queued: 22, dropped: 0, state: "retrying" });
    await log.close(Date.now() + 200);
    const reports = errors.mock.calls.map(([text]) => String(text)).filter((text) => text.includes("request log"));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/request log sink .*not-a-dir\/logs failed: .*; retrying with backoff/);
    expect(reports[1]).toContain("22 records not written by the shutdown deadline");
    expect(log.dropped()).toBe(22);
  });
});

describe("requestLogFileName", () => {
  it("names files by UTC day, with the size index as a .N suffix", () => {
    const lateEvening = new Date("2025-03-10T23:59:59.999Z");
    expect(requestLogFileName(lateEvening)).toBe("requests-2025-03-10.jsonl");
    expect(requestLogFileName(lateEvening, 1)).toBe("requests-2025-03-10.1.jsonl");
    expect(requestLogFileName(Date.parse("2025-03-11T00:00:00Z"), 3)).toBe("requests-2025-03-11.3.jsonl");
  });
});

describe("RotatingLogFile", () => {
  it("moves to the next day's file at UTC midnight, and continues a day's last file after a restart", async () => {
    const errors: Error[] = [];
    const beforeMidnight = Date.parse("2025-03-10T23:59:59.000Z");
    const afterMidnight = Date.parse("2025-03-11T00:00:01.000Z");
    const file = new RotatingLogFile(dir, 1 << 20, (e) => errors.push(e));
    file.write("a\n", beforeMidnight);
    file.write("b\n", afterMidnight);
    await file.close();
    const again = new RotatingLogFile(dir, 1 << 20, (e) => errors.push(e));
    again.write("c\n", afterMidnight);
    await again.close();
    expect(await readFile(join(dir, "requests-2025-03-10.jsonl"), "utf8")).toBe("a\n");
    expect(await readFile(join(dir, "requests-2025-03-11.jsonl"), "utf8")).toBe("b\nc\n");
    expect(errors).toEqual([]);
  });
});

describe("newRequestId", () => {
  it("is req_ plus 24 hex digits, and unique across pool refills", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newRequestId();
      expect(id).toMatch(/^req_[0-9a-f]{24}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
  });
});

describe("redactSecrets", () => {
  it("ignores short secrets and leaves ordinary text alone", () => {
    registerSecret("short");
    expect(redactSecrets("a short task-list of words")).toBe("a short task-list of words");
  });

  it("redacts sk-ant keys and keeps the Bearer scheme word", () => {
    expect(redactSecrets('{"x-api-key":"sk-ant-api03-AAAAbbbbCCCCdddd_eeee-ffff"}')).toBe('{"x-api-key":"[REDACTED]"}');
    expect(redactSecrets('"authorization":"Bearer abcdefgh12345678"')).toBe('"authorization":"Bearer [REDACTED]"');
  });
});
