// Redaction of persisted bodies: the opt-in e-mail and card rules (Luhn-checked, so ordinary numbers
// survive, and free of catastrophic backtracking by the generator's own ReDoS check), the configured rules
// applied to every decoded string or at their JSONPath, and the writer putting them before any sink.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkRegex } from "../../../generator/transforms/regex.ts";
import { CARD_REPLACEMENT, DIGIT_RUN_PATTERN, EMAIL_PATTERN, EMAIL_REPLACEMENT, luhn, redactCards, redactEmails } from "../../../runtime/log/pii.ts";
import { redactBody, redactRaw, type LogRedaction } from "../../../runtime/log/redact.ts";
import { registerSecret } from "../../../runtime/log/secrets.ts";
import { newRequestId } from "../../../runtime/log/request-log.ts";
import { openRequestLog } from "../../../runtime/log/writer.ts";

describe("built-in patterns", () => {
  it.each([
    ["e-mail", EMAIL_PATTERN],
    ["card digit run", DIGIT_RUN_PATTERN],
  ])("the %s pattern passes the build's ReDoS check", (_, pattern) => {
    expect(checkRegex(pattern, "")).toMatchObject({ ok: true });
  });

  it("scans a long run of letters or digits in linear time", () => {
    const letters = "a".repeat(2_000_000);
    const digits = "1 ".repeat(1_000_000);
    const started = performance.now();
    expect(redactEmails(letters + "@")).toBe(letters + "@");
    expect(redactCards(digits)).toBe(digits);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("redactEmails", () => {
  it.each([
    ["mail alice.smith+tag@mail.example.co.uk now", `mail ${EMAIL_REPLACEMENT} now`],
    ["<bob@example.com>, carol_1@sub.example.org.", `<${EMAIL_REPLACEMENT}>, ${EMAIL_REPLACEMENT}.`],
    ["user@localhost stays (no dot in the domain)", "user@localhost stays (no dot in the domain)"],
    ["@handle and a@ and @b.com are not addresses", "@handle and a@ and @b.com are not addresses"],
  ])("%s", (input, want) => {
    expect(redactEmails(input)).toBe(want);
  });
});

describe("redactCards", () => {
  it("knows the Luhn check", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    expect(luhn("378282246310005")).toBe(true);
  });

  it.each([
    ["visa 4111111111111111 ok", `visa ${CARD_REPLACEMENT} ok`],
    ["grouped 4111 1111 1111 1111, dashed 5500-0000-0000-0004", `grouped ${CARD_REPLACEMENT}, dashed ${CARD_REPLACEMENT}`],
    ["amex 3782 822463 10005", `amex ${CARD_REPLACEMENT}`],
    ["after a number: 12 4111 1111 1111 1111 end", `after a number: 12 ${CARD_REPLACEMENT} end`],
    ["before a year: 4111 1111 1111 1111 2026", `before a year: ${CARD_REPLACEMENT} 2026`],
  ])("redacts %s", (input, want) => {
    expect(redactCards(input)).toBe(want);
  });

  it.each([
    ["an order number failing Luhn", "order 4111111111111112 shipped"],
    ["a timestamp", "at 1767225600000 ms"],
    ["a phone-like list of small numbers", "1 2 3 4 5 6 7 8 9 10 11 12 13 14"],
    ["a run too long for a card", "id 41111111111111111111111"],
    ["a Luhn-valid number outside the card ranges", "0000000000000000"],
    ["mixed separators", "4111 1111-1111 1111"],
  ])("leaves %s alone", (_, input) => {
    expect(redactCards(input)).toBe(input);
  });
});

/** What generated/<env>/log-redaction.ts holds for: `ACME-\d+` everywhere, `.+` at $.user, e-mails and cards. */
const rules: LogRedaction = {
  json(body: any) {
    if (typeof body.user === "string") body.user = body.user.replace(/.+/g, "[REDACTED]");
  },
  text(text: string) {
    return redactCards(redactEmails(text.replace(/ACME-[0-9]+/g, "[account]")));
  },
};

describe("redactRaw", () => {
  it("applies the string rules to every decoded string and the path rules at their path", () => {
    const raw = JSON.stringify({
      user: "u-123",
      messages: [{ role: "user", content: "I am alice@example.com (ACME-42), card 4111 1111 1111 1111" }],
      metadata: { note: "line\nbob@example.com", n: 4111111111111111 },
    });
    const out = redactRaw(raw, rules);
    expect(out.json).toBe(true);
    expect(JSON.parse(out.text)).toEqual({
      user: "[REDACTED]",
      messages: [{ role: "user", content: `I am ${EMAIL_REPLACEMENT} ([account]), card ${CARD_REPLACEMENT}` }],
      // A string after an escape is still seen decoded; a JSON number is not a string and is left as is.
      metadata: { note: `line\n${EMAIL_REPLACEMENT}`, n: 4111111111111111 },
    });
  });

  it("sees through JSON escapes that a raw-text pattern would miss", () => {
    const raw = '{"content":"write to alice\\u0040example.com"}';
    expect(JSON.parse(redactRaw(raw, rules).text)).toEqual({ content: `write to ${EMAIL_REPLACEMENT}` });
  });

  it("redacts a body that is not JSON as one string", () => {
    expect(redactRaw("<html>alice@example.com", rules)).toEqual({ text: `<html>${EMAIL_REPLACEMENT}`, json: false });
  });

  it("redactBody adds the always-on key redaction, for tracers", () => {
    registerSecret("upstream-secret-for-redact-test");
    expect(redactBody('{"a":"upstream-secret-for-redact-test alice@example.com"}', rules)).toBe(`{"a":"[REDACTED] ${EMAIL_REPLACEMENT}"}`);
    expect(redactBody('{"a":"upstream-secret-for-redact-test alice@example.com"}', undefined)).toBe('{"a":"[REDACTED] alice@example.com"}');
  });
});

describe("the writer redacts before the sink", () => {
  it("request and response bodies, assembled stream text, and keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "switchyard-redact-"));
    try {
      const log = openRequestLog({ dir, maxSizeBytes: 1 << 20, bodies: true, redact: rules });
      const base = {
        time: new Date().toISOString(),
        trace_id: "0".repeat(31) + "1",
        key_id: null,
        client_ip: "127.0.0.1",
        route: "r",
        api: "openai" as const,
        path: "/v1/chat/completions",
        model: "m",
        attempts: [],
        status: 200,
        latency_ms: 1,
        upstream_latency_ms: 1,
        ttfb_ms: 1,
        usage: null,
      };
      log.write(
        { ...base, id: newRequestId(), stream: false, request_body: '{"user":"u1","messages":[{"content":"me: alice@example.com sk-abcdefghijklmnopqrstuvwx"}]}', response_body: '{"choices":[{"message":{"content":"card 4111111111111111"}}]}' },
        { requestBodyIsJson: true, responseBodyIsJson: true },
      );
      log.write({ ...base, id: newRequestId(), stream: true, request_body: "{}", response: { text: "reach me at bob@example.com", finish_reason: "stop" } });
      await log.close();
      const text = await readFile(join(dir, `requests-${new Date().toISOString().slice(0, 10)}.jsonl`), "utf8");
      for (const secret of ["alice@example.com", "bob@example.com", "4111111111111111", "abcdefghijklmnop", '"u1"']) expect(text).not.toContain(secret);
      const [first, second] = text.trim().split("\n").map((line) => JSON.parse(line));
      expect(first.request_body).toEqual({ user: "[REDACTED]", messages: [{ content: `me: ${EMAIL_REPLACEMENT} [REDACTED]` }] });
      expect(first.response_body.choices[0].message.content).toBe(`card ${CARD_REPLACEMENT}`);
      expect(second.response).toEqual({ text: `reach me at ${EMAIL_REPLACEMENT}`, finish_reason: "stop" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
