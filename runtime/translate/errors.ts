// An upstream's error, re-spoken in the client's API. The status is kept (SDKs pick their exception class
// from it); the message is the upstream's own when its body has one, else the start of the raw body.
import type { ClientApi } from "../contract.ts";
import { errorBody } from "../client/errors.ts";

const RAW_TEXT_CAP = 500;

/** The human message inside either API's error body ({error:{message}} in both), or the raw text. */
export function upstreamErrorMessage(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) {
      const error = (parsed as { error?: unknown }).error;
      if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
        return (error as { message: string }).message;
      }
      if (typeof error === "string") return error;
    }
  } catch {
    /* not JSON: use the text */
  }
  const text = body.trim().slice(0, RAW_TEXT_CAP);
  return text || `upstream answered HTTP ${status}`;
}

export function translateError(client: ClientApi, status: number, body: string): string {
  return errorBody(client, { status, message: upstreamErrorMessage(status, body) });
}
