// Path globs of `passthrough:` entries (docs/config-reference.md#pass-through-passthrough): what they may
// say, the RegExp source each becomes, and the two build-time questions validate.ts asks of them (does a
// glob cover an endpoint Switchyard serves itself, do two globs share a path).
//
// The syntax is deliberately small, so both questions are decidable segment by segment: a glob is a path
// starting with /v1/, each segment a literal or `*` (exactly one segment), and a last segment `**` (zero or
// more further segments, so `/v1/files/**` is /v1/files and everything below it). There are no partial
// wildcards (`batch_*`), no `?` and no percent-escapes.

/**
 * The paths Switchyard answers itself, in their /v1 form (`/openai/…` and `/anthropic/…` prefixes reach
 * the same ones): a pass-through glob that covers one would take it away from the translating endpoint.
 * `/v1/responses` is the Responses API's (issue 12, item 1).
 */
export const TRANSLATED_PATHS: readonly string[] = [
  "/v1/chat/completions",
  "/v1/messages",
  "/v1/messages/count_tokens",
  "/v1/embeddings",
  "/v1/completions",
  "/v1/models",
  "/v1/responses",
];

const SEGMENT = /^[A-Za-z0-9._~:@!$&'()+,;=-]+$/;

export type PathGlobResult = { ok: true; segments: string[] } | { ok: false; message: string; hint: string };

const SYNTAX_HINT = "a path starting with /v1/; a segment is a literal, * (one segment), or ** as the last one (everything below)";

/** Splits a glob into its segments after "/v1", or says what is wrong with it. */
export function parsePathGlob(glob: string): PathGlobResult {
  const bad = (message: string): PathGlobResult => ({ ok: false, message: `invalid pass-through path "${glob}": ${message}`, hint: SYNTAX_HINT });
  if (glob.startsWith("/openai/") || glob.startsWith("/anthropic/")) {
    return { ok: false, message: `invalid pass-through path "${glob}": write the /v1 path; the /openai and /anthropic prefixes are added by the gateway`, hint: SYNTAX_HINT };
  }
  if (!glob.startsWith("/v1/")) return bad("it must start with /v1/");
  const segments = glob.slice(4).split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === "") return bad(i === segments.length - 1 ? "it ends with /" : "it has an empty segment (//)");
    if (segment === "**") {
      if (i !== segments.length - 1) return bad("** must be the last segment");
      continue;
    }
    if (segment === "*") continue;
    if (segment === "." || segment === "..") return bad(`segment "${segment}" is not allowed`);
    if (segment.includes("*")) return bad(`"${segment}": * stands for a whole segment, not part of one`);
    if (!SEGMENT.test(segment)) return bad(`"${segment}" has a character a path segment cannot have here`);
  }
  return { ok: true, segments };
}

const REGEXP_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/**
 * RegExp source of a valid glob, unanchored and without capture groups (the router folds several into one
 * alternation and tells them apart by an empty group after each). `*` is `[^/]+`; a last `**` is
 * `(?:/[^/]+)*`. Matched against the request's path as uWS gives it (no query string).
 */
export function pathGlobSource(glob: string): string {
  const segments = (parsePathGlob(glob) as { ok: true; segments: string[] }).segments;
  let source = "\\/v1";
  for (const segment of segments) {
    if (segment === "**") source += "(?:\\/[^/]+)*";
    else if (segment === "*") source += "\\/[^/]+";
    else source += "\\/" + segment.replace(REGEXP_SPECIAL, "\\$&");
  }
  return source;
}

/** Whether a valid glob matches `path` (a concrete /v1 path). */
export function pathGlobMatches(glob: string, path: string): boolean {
  return new RegExp(`^${pathGlobSource(glob)}$`).test(path);
}

/** Whether some path matches both valid globs. */
export function pathGlobsOverlap(a: string, b: string): boolean {
  const x = (parsePathGlob(a) as { ok: true; segments: string[] }).segments;
  const y = (parsePathGlob(b) as { ok: true; segments: string[] }).segments;
  for (let i = 0; ; i++) {
    // `**` matches zero or more segments: whatever the other glob has from here on, some path fits both.
    if (x[i] === "**" || y[i] === "**") return true;
    if (i === x.length || i === y.length) return x.length === y.length;
    if (x[i] !== "*" && y[i] !== "*" && x[i] !== y[i]) return false;
  }
}
