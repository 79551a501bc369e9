// Which upstream outcomes move on to the next target. Only failures where another provider may well
// succeed: transport errors, timeouts, auth/permission (a bad or exhausted key is per provider),
// rate limits and server errors. Any other 4xx is the client's own mistake and goes back to it as is.

export function isFallbackStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}

/** Why an attempt that outgrew the provider's response_limit failed; the client asked for that much. */
export function responseTooLarge(limit: number): string {
  return `response larger than the provider's response_limit (${limit} bytes)`;
}

/** The code of the error an attempt aborts its upstream request with when its total_ms runs out. */
export const TOTAL_TIMEOUT = "SWITCHYARD_TOTAL_TIMEOUT";

export function totalTimeoutError(ms: number): Error {
  return Object.assign(new Error(`no complete answer within ${ms} ms`), { code: TOTAL_TIMEOUT });
}

/** A short, key-free description of a transport error for logs and the client's error message. */
export function describeTransportError(error: unknown): { reason: string; timeout: boolean } {
  const code = (error as { code?: string } | null)?.code ?? "";
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return { reason: "connect timeout", timeout: true };
    case "UND_ERR_HEADERS_TIMEOUT":
      return { reason: "first byte timeout", timeout: true };
    case "UND_ERR_BODY_TIMEOUT":
      return { reason: "idle timeout", timeout: true };
    case TOTAL_TIMEOUT:
      return { reason: "total timeout", timeout: true };
    case "ECONNREFUSED":
      return { reason: "connection refused", timeout: false };
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return { reason: "connection reset", timeout: false };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { reason: "host not found", timeout: false };
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return { reason: code ? `${code}: ${message}` : message, timeout: false };
    }
  }
}
