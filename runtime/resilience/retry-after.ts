// How long an upstream asks us to wait before trying again, from whichever header it used:
// `retry-after-ms` (OpenAI, Anthropic), Azure's `x-ms-retry-after-ms`, then the standard `Retry-After`
// in delta-seconds or as an HTTP date. Read only on failed responses, never on the success path.
// @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A non-negative number of milliseconds, or null when the text is not one. */
function millis(text: string | undefined, scale: number): number | null {
  if (text === undefined) return null;
  const trimmed = text.trim();
  if (trimmed === "" || !/^\d+(\.\d+)?$/.test(trimmed)) return null;
  return Math.ceil(Number(trimmed) * scale);
}

/** Milliseconds to wait, or null when no header says (or none can be read). `now` is wall-clock ms. */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | null {
  const ms = millis(first(headers["retry-after-ms"]), 1) ?? millis(first(headers["x-ms-retry-after-ms"]), 1);
  if (ms !== null) return ms;
  const value = first(headers["retry-after"]);
  if (value === undefined) return null;
  const seconds = millis(value, 1000);
  if (seconds !== null) return seconds;
  // An HTTP date names its day ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(value.trim())) return null;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * The headers that ask a client to wait `ms`: Retry-After in whole seconds (at least 1, as RFC 9110 has no
 * fractions) and retry-after-ms, which both official SDKs read first.
 */
export function retryAfterHeaders(ms: number): Record<string, string> {
  const wait = Math.max(0, Math.ceil(ms));
  return { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))), "retry-after-ms": String(wait) };
}
