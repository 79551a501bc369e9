// Access tokens for Vertex AI from a service-account key, shaped as the runtime's DynamicAuth: `cached()`
// for the hot path (no await while a token is good), `headers()` when it has to wait.
//
// - a token is used until 5 minutes before it expires, so no request leaves with a token that expires in
//   flight; from 10 minutes before, the first caller to see it starts a refresh in the background and keeps
//   using the current token, so in steady state no request ever waits for one. (Both margins shrink for
//   tokens that live less than 20 minutes: a quarter and a half of their lifetime.)
// - one refresh at a time: concurrent callers share the refresh in flight.
// - a failed background refresh is forgotten (the token still works, the next caller tries again); a failed
//   refresh that callers wait for rejects them with an error naming the account, never the key or a token.
import { describeAccount, parseServiceAccountKey } from "./service-account.ts";
import { signAssertion } from "./jwt.ts";
import { exchangeAssertion } from "./token-exchange.ts";

export const DEFAULT_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

const MINUTE_MS = 60_000;
const USE_MARGIN_MS = 5 * MINUTE_MS;
const REFRESH_MARGIN_MS = 10 * MINUTE_MS;

export interface TokenSourceOptions {
  scope?: string;
  /** Milliseconds since the epoch; Date.now unless a test moves time. */
  now?: () => number;
}

export interface TokenSource {
  /** The authorization header, fetching a token first when none is usable. */
  headers(): Promise<Record<string, string>>;
  /** The authorization header of the current token when it is usable, else null (call headers()). */
  cached(): Record<string, string> | null;
}

interface Token {
  readonly headers: Record<string, string>;
  /** From here on, callers start a background refresh. */
  readonly refreshAt: number;
  /** From here on, callers wait for a new token. */
  readonly usableUntil: number;
}

/** Throws at once (at start) when the key file is unusable. */
export function createServiceAccountTokenSource(keyFileJson: string, options: TokenSourceOptions = {}): TokenSource {
  const key = parseServiceAccountKey(keyFileJson);
  const scope = options.scope ?? DEFAULT_SCOPE;
  const now = options.now ?? Date.now;
  const who = describeAccount(key.clientEmail);
  let token: Token | undefined;
  let inflight: Promise<Token> | undefined;

  const fetchToken = async (): Promise<Token> => {
    const started = now();
    const assertion = signAssertion(key, scope, Math.floor(started / 1000));
    const { accessToken, expiresInSeconds } = await exchangeAssertion(key.tokenUri, assertion, who);
    // Lifetime counted from before the request: the token cannot expire earlier than we think.
    const lifetime = expiresInSeconds * 1000;
    const expiresAt = started + lifetime;
    return {
      headers: { authorization: `Bearer ${accessToken}` },
      refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2),
      usableUntil: expiresAt - Math.min(USE_MARGIN_MS, lifetime / 4),
    };
  };

  const refresh = (): Promise<Token> => {
    inflight ??= fetchToken()
      .then((fresh) => (token = fresh))
      .finally(() => (inflight = undefined));
    return inflight;
  };

  /** The usable token, starting a background refresh when it is due. */
  const current = (): Token | undefined => {
    const t = now();
    if (!token || t >= token.usableUntil) return undefined;
    if (t >= token.refreshAt && !inflight) refresh().catch(() => undefined);
    return token;
  };

  return {
    cached: () => current()?.headers ?? null,
    headers: async () => (current() ?? (await refresh())).headers,
  };
}
