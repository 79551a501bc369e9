// The headers a request to a provider carries, built here for every kind of request: relayed, translated,
// counted, passed through, or the gateway's own (model lists, translated embeddings). The provider's own
// headers (its key, extra headers) are the frozen object built once per provider; a route's header rules
// are functions generated at build time; nothing here looks anything up per request.
import type { HttpUpstream } from "../contract.ts";

/** The Messages API requires a version header; clients of another API and the gateway itself never send one. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** A route's generated header rules: what the client's and the provider's headers become together. */
export type HeaderRule = ((client: Readonly<Record<string, string>>, provider: Readonly<Record<string, string>>, clientKey: string | null) => Record<string, string>) | null | undefined;

/**
 * A client's request as the provider receives it: the client's forwarded headers with the provider's over
 * them, or, when the route has header rules, what the rules make of both (bring-your-own-key passes the
 * client's key to them). Always a fresh object: callers may add to it.
 */
export function upstreamRequestHeaders(client: Readonly<Record<string, string>>, upstream: HttpUpstream, rule: HeaderRule, clientKey: string | null): Record<string, string> {
  return rule ? rule(client, upstream.headers, clientKey) : { ...client, ...upstream.headers };
}

/**
 * A client's request translated to the upstream's API: none of the client API's own headers (anthropic-*,
 * openai-*, x-stainless-* SDK telemetry), which the upstream would misread or reject, and the version header
 * an Anthropic upstream requires. Then as any client request.
 */
export function translatedRequestHeaders(client: Readonly<Record<string, string>>, upstream: HttpUpstream, rule: HeaderRule, clientKey: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in client) {
    if (name.startsWith("anthropic-") || name.startsWith("openai-") || name.startsWith("x-stainless-")) continue;
    out[name] = client[name]!;
  }
  if (upstream.api === "anthropic") out["anthropic-version"] = ANTHROPIC_VERSION;
  return upstreamRequestHeaders(out, upstream, rule, clientKey);
}

/** A request the gateway makes on its own: the provider's headers, then `extra` (content type, credentials). */
export function gatewayRequestHeaders(upstream: HttpUpstream, extra: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...upstream.headers, ...extra };
  if (upstream.api === "anthropic") out["anthropic-version"] = ANTHROPIC_VERSION;
  return out;
}

