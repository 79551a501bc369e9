// The pieces of a framing-level refusal (runtime/listener/framing.ts): which API's error shape the raw bytes
// ask for, the response written to the socket, and the application log's rate limit.
import { describe, expect, it } from "vitest";
import { clientApiOfBytes, framingResponse, RefusalLog } from "../../runtime/listener/framing.ts";

describe("the client's API, from whatever bytes of the request arrived", () => {
  it.each([
    ["POST /v1/messages HTTP/1.1\r\nHost: x\r\n", "anthropic"],
    ["POST /v1/messages/count_tokens HTTP/1.1\r\n", "anthropic"],
    ["GET /anthropic/v1/models HTTP/1.1\r\n", "anthropic"],
    ["POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAnthropic-Version: 2023-06-01\r\n", "anthropic"],
    ["POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-anthropic-version-note: no\r\n", "openai"],
    ["POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", "openai"],
    ["\x16\x03\x01\x02\x00", "openai"],
    ["", "openai"],
  ])("%j → %s", (bytes, api) => {
    expect(clientApiOfBytes(Buffer.from(bytes, "latin1"))).toBe(api);
  });

  it("no bytes at all (a header timeout) is OpenAI's", () => {
    expect(clientApiOfBytes(undefined)).toBe("openai");
  });
});

describe("the response written for a refusal", () => {
  it("is one complete HTTP/1.1 message with its length, Connection: close and the error in the API's shape", () => {
    const text = framingResponse(431, "anthropic", "request headers are larger than the 65536 byte limit");
    const [head, body] = text.split("\r\n\r\n") as [string, string];
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(head).toContain("\r\nconnection: close");
    expect(head).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ type: "error", error: { type: "invalid_request_error", message: "request headers are larger than the 65536 byte limit" } });
    const openai = JSON.parse(framingResponse(400, "openai", "malformed HTTP request: Invalid method").split("\r\n\r\n")[1]!);
    expect(openai).toEqual({ error: { message: "malformed HTTP request: Invalid method", type: "invalid_request_error", param: null, code: "bad_http_request" } });
  });
});

describe("the refusal log's rate limit", () => {
  function harness() {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    let now = 1_000_000;
    const log = new RefusalLog({ warn: (fields, message) => lines.push({ fields, message }) }, 3, 60_000, () => now);
    return { lines, log, advance: (ms: number) => (now += ms) };
  }

  it("writes each refusal with the peer and why, up to the window's allowance", () => {
    const { lines, log } = harness();
    log.refused(400, "10.0.0.7", "malformed HTTP request: Invalid method");
    expect(lines).toEqual([
      { fields: { peer: "10.0.0.7", status: 400, reason: "malformed HTTP request: Invalid method" }, message: "refused a request from 10.0.0.7 at the HTTP level with 400: malformed HTTP request: Invalid method" },
    ]);
  });

  it("counts a flood instead of writing it, and says how many it left out once the window ends", () => {
    const { lines, log, advance } = harness();
    for (let i = 0; i < 1000; i++) log.refused(408, "10.0.0.8", "request headers not complete within 10 s");
    expect(lines).toHaveLength(3);
    advance(60_000);
    log.refused(431, "10.0.0.9", "too large");
    expect(lines).toHaveLength(5);
    expect(lines[3]).toEqual({ fields: { suppressed: 997 }, message: "refused 997 more requests at the HTTP level in the last 60 s (not logged one by one)" });
    expect(lines[4]!.fields).toMatchObject({ peer: "10.0.0.9", status: 431 });
    log.flush();
    expect(lines).toHaveLength(5); // nothing more was left out
  });
});
