// Keeps keys out of the request log. Upstream keys are registered at start and replaced wherever they
// appear; anything shaped like a common API key or bearer token is replaced too, since a client may send
// its own key inside a body. Redaction runs on finished JSON lines, so a replacement must never break
// JSON: the key-shape patterns stop at `"` and `\`, and a secret is also matched in its JSON-escaped form.

const REDACTED = "[REDACTED]";

/**
 * OpenAI-style `sk-…` (including `sk-proj-…`, `sk-ant-…`), Google `AIza…`, and `Bearer <token>`, whose
 * scheme word is kept (group 1) so the log still says what kind of credential was there.
 */
const KEY_SHAPES = /\b(?:sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{35})|\b([Bb]earer[ \t]+)[A-Za-z0-9._~+/=-]{8,}/g;

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

/** Shorter values would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;

const secrets = new Set<string>();
/** One alternation over every registered secret, longest first so overlapping secrets go whole. */
let secretsPattern: RegExp | null = null;

/** Called with each secret registered from now on (the request-log worker thread keeps its own copy). */
let onRegister: ((value: string) => void) | null = null;

/** The secrets registered so far, and `listener` for later ones: for a thread that redacts log lines itself. */
export function followSecrets(listener: (value: string) => void): string[] {
  onRegister = listener;
  return [...secrets];
}

export function registerSecret(value: string): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  onRegister?.(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  const before = secrets.size;
  secrets.add(value).add(escaped);
  if (secrets.size === before) return;
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map((s) => s.replace(REGEX_SPECIALS, "\\$&"));
  secretsPattern = new RegExp(alternatives.join("|"), "g");
}

export function redactSecrets(text: string): string {
  const withoutSecrets = secretsPattern ? text.replace(secretsPattern, REDACTED) : text;
  return withoutSecrets.replace(KEY_SHAPES, `$1${REDACTED}`);
}
