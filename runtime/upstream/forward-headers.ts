// Which client headers travel upstream. Transparent by default (anthropic-beta, openai-beta, user agents and
// SDK telemetry headers all pass), minus what belongs to the connection or to the client's own credentials:
// a client's key never reaches a provider; the provider's key comes from the generated upstream headers.
import type { HttpRequest } from "uWebSockets.js";
import type { ClientApi } from "../contract.ts";

const NOT_FORWARDED = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "expect",
  "authorization",
  "x-api-key",
  "api-key",
  // The Switchyard key, when a client sends it beside its own provider key (runtime/access/client-identity.ts).
  "x-switchyard-api-key",
  "cookie",
  // Upstream responses are read for usage and logged, so ask for them uncompressed.
  "accept-encoding",
]);

/** The Messages API requires a version header; raw HTTP clients often omit it. */
const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

export function collectForwardHeaders(req: HttpRequest, api: ClientApi): Record<string, string> {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    if (!NOT_FORWARDED.has(name)) headers[name] = value;
  });
  headers["content-type"] = "application/json";
  if (api === "anthropic" && headers["anthropic-version"] === undefined) headers["anthropic-version"] = DEFAULT_ANTHROPIC_VERSION;
  return headers;
}

/**
 * Pass-through keeps what describes the body it streams byte for byte: its content-type (a multipart
 * boundary), content-length (so an upload is not re-framed as chunked) and accept-encoding (the response is
 * relayed unread, so it may stay compressed). Credentials and hop-by-hop headers go as everywhere else.
 */
const PASSTHROUGH_KEPT = new Set(["content-length", "accept-encoding"]);

export function collectPassthroughHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    if (!NOT_FORWARDED.has(name) || PASSTHROUGH_KEPT.has(name)) headers[name] = value;
  });
  return headers;
}
