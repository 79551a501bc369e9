// What generated/<env>/passthrough.ts builds at start for `passthrough:` (generator/emit/passthrough.ts):
// per client API, one anchored RegExp folding every path glob of that API's entries, and the entry behind
// each alternative. The request path runs one exec and reads which empty group matched; nothing is
// compiled or looked up per request.
import type { ApiFamily, HttpUpstream, RateLimits } from "../contract.ts";
import type { Headers } from "../transforms/types.ts";

export interface PassthroughEntry {
  /** The entry's id: the request log's and metrics' `route`. */
  readonly id: string;
  readonly api: ApiFamily;
  readonly upstream: HttpUpstream;
  /**
   * How many leading characters of the client's /v1 path the provider's base path already holds: 3 for
   * OpenAI-format providers (base URLs end in /v1), 0 for Anthropic's (base URL is the host).
   */
  readonly strip: number;
  /** Larger request bodies get a 413, before or while they stream upstream. */
  readonly bodyLimitBytes: number;
  /** Request-count limits; null when none apply (a key's own rpm still does). */
  readonly rateLimits: RateLimits | null;
  /** The provider's header rules (transforms' headers); null when it has none. Body rules never apply here. */
  readonly headers: PassthroughHeaders | null;
}

export interface PassthroughHeaders {
  /** The upstream request's headers from the client's forwardable ones and the provider's own. */
  readonly request: ((client: Headers, provider: Headers, clientKey: string | null) => Record<string, string>) | null;
  /** The headers relayed to the client, from those the gateway would relay. */
  readonly response: ((upstream: Headers) => Record<string, string>) | null;
}

export interface PassthroughPaths {
  /** `^(?:glob0()|glob1()|…)$` over /v1 paths; null when no entry serves this API. */
  readonly pattern: RegExp | null;
  /** The entry of each alternative, in the pattern's order. */
  readonly entries: readonly PassthroughEntry[];
}

export interface PassthroughTable {
  readonly openai: PassthroughPaths;
  readonly anthropic: PassthroughPaths;
}
