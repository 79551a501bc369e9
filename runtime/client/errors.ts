// Error bodies in the client's own API format, so SDKs raise their usual typed errors
// (openai: APIError subclasses keyed by status; @anthropic-ai/sdk: the same, reading error.type). The
// Responses API answers errors in OpenAI's format.
import type { ClientApi } from "../contract.ts";

/** Anthropic's error `type` for each status it documents; everything else is an api_error. */
const anthropicTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  405: "invalid_request_error",
  408: "invalid_request_error",
  413: "request_too_large",
  // A provider disabled by the gateway's configuration (runtime/attempts/target-walk.ts): the server's side, not the request.
  424: "api_error",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  503: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function openaiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500 || status === 424) return "api_error";
  return "invalid_request_error";
}

export interface ClientError {
  status: number;
  message: string;
  /** OpenAI `code` (e.g. model_not_found); Anthropic has no equivalent field. */
  code?: string;
  /** OpenAI `param`: the offending request field. */
  param?: string;
  /** The connection cannot be reused after this answer (a body that stopped mid-way): it is closed. */
  closeConnection?: boolean;
  /**
   * The request log's `error_code` when `code` is absent: a stable name for a refusal whose body keeps
   * `code: null`, as OpenAI's own API does for a malformed or oversized request. Never sent to the client.
   */
  logCode?: string;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json" });

export function errorBody(api: ClientApi, error: ClientError): string {
  if (api === "anthropic") {
    const type = anthropicTypes[error.status] ?? (error.status >= 500 ? "api_error" : "invalid_request_error");
    return JSON.stringify({ type: "error", error: { type, message: error.message } });
  }
  return JSON.stringify({
    error: { message: error.message, type: openaiType(error.status), param: error.param ?? null, code: error.code ?? null },
  });
}
