// Which pass-through entry serves a request path, if any. The client's API decides among entries: an
// explicit /openai/… or /anthropic/… prefix, else the anthropic-version header (every Anthropic SDK and
// Claude Code send it; OpenAI clients never do). So OpenAI's and Anthropic's /v1/files can both be
// configured, each reached by its own clients.
import type { ApiFamily } from "../contract.ts";
import type { PassthroughEntry, PassthroughPaths, PassthroughTable } from "./table.ts";

/**
 * Paths an upstream might resolve to somewhere other than where they seem to point: dot segments (plain or
 * percent-encoded), encoded slashes and backslashes. They are refused before matching, so a glob such as
 * /v1/files/* can never reach /v1/admin through `/v1/files/..%2f..`.
 */
const UNSAFE_PATH = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|%2f|%5c|\\/i;

export interface PassthroughMatch {
  readonly entry: PassthroughEntry;
  readonly api: ApiFamily;
  /** The client's path in its /v1 form (prefix removed). */
  readonly path: string;
}

/** The API a path's prefix names, and the path without it in its /v1 form; null when it has no prefix. */
function unprefix(url: string): { api: ApiFamily; path: string } | null {
  let api: ApiFamily;
  let rest: string;
  if (url.startsWith("/openai/")) {
    api = "openai";
    rest = url.slice(7);
  } else if (url.startsWith("/anthropic/")) {
    api = "anthropic";
    rest = url.slice(10);
  } else return null;
  // `/openai/files` is `/v1/files`, as `/openai/chat/completions` is `/v1/chat/completions`.
  return { api, path: rest.startsWith("/v1/") ? rest : `/v1${rest}` };
}

function find(paths: PassthroughPaths, path: string): PassthroughEntry | undefined {
  if (paths.pattern === null) return undefined;
  const match = paths.pattern.exec(path);
  return match === null ? undefined : paths.entries[match.indexOf("", 1) - 1];
}

/** The entry for `url` (uWS's path, no query string), or null: the request is not a pass-through one. */
export function matchPassthrough(table: PassthroughTable, url: string, anthropicVersion: boolean): PassthroughMatch | null {
  const prefixed = unprefix(url);
  const api: ApiFamily = prefixed?.api ?? (anthropicVersion ? "anthropic" : "openai");
  const path = prefixed?.path ?? url;
  if (!path.startsWith("/v1/") || UNSAFE_PATH.test(path)) return null;
  const entry = find(table[api], path);
  return entry === undefined ? null : { entry, api, path };
}
