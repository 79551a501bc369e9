// Redaction of the copy of a body that is persisted: the request log's sinks, and a trace that records bodies.
// The rules are compiled from routes.yaml's `logs.redact`, `redact_emails` and `redact_cards` into
// generated/<env>/log-redaction.ts (generator/emit/log-redaction.ts, with the body-transform emitters), and
// reach the runtime as `gateway.logs.redact`; nothing is compiled or interpreted per request.
//
// - `json`: the rules with a `path`, on the parsed body (a JSON object), as a body transform's JSONPath rules.
// - `text`: the rules without a path, then e-mails and cards, on ONE string. It is applied to every string
//   value of the body, decoded, so a pattern sees `a@b.c` even where the JSON text spells it `a\u0040b.c`,
//   and a replacement can never break the JSON around it. A body that is not JSON gets it as a whole.
//
// Provider and client keys are always redacted on top of these, from the finished line (secrets.ts).
import type { BodyTransform } from "../transforms/types.ts";
import { redactSecrets } from "./secrets.ts";

/** The compiled redaction rules; absent from the gateway when routes.yaml has none. */
export type LogRedaction = BodyTransform;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every string member of `node`, at any depth, through `text` (in place); a top-level string is returned changed. */
function mapStrings(node: unknown, text: (s: string) => string): unknown {
  if (typeof node === "string") return text(node);
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === "string") node[i] = text(v);
      else if (typeof v === "object" && v !== null) mapStrings(v, text);
    }
  } else if (typeof node === "object" && node !== null) {
    const record = node as Record<string, unknown>;
    for (const key in record) {
      const v = record[key];
      if (typeof v === "string") record[key] = text(v);
      else if (typeof v === "object" && v !== null) mapStrings(v, text);
    }
  }
  return node;
}

/** A parsed JSON value the caller owns, redacted in place (a top-level string is returned redacted). */
export function redactValue(value: unknown, rules: LogRedaction): unknown {
  if (rules.json !== null && isJsonObject(value)) rules.json(value);
  return rules.text === null ? value : mapStrings(value, rules.text);
}

/** A raw body with the rules applied: re-serialised JSON when it parses (`json` true), else the text with the string rules. */
export function redactRaw(raw: string, rules: LogRedaction): { text: string; json: boolean } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { text: rules.text === null ? raw : rules.text(raw), json: false };
  }
  return { text: JSON.stringify(redactValue(body, rules)), json: true };
}

/**
 * A body as a sink or a trace may keep it: the configured rules (`gateway.logs.redact`, may be absent), then
 * provider and client keys. For tracers that record bodies; the request log applies the same rules itself.
 */
export function redactBody(raw: string, rules: LogRedaction | undefined): string {
  return redactSecrets(rules === undefined ? raw : redactRaw(raw, rules).text);
}
