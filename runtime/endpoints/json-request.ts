// The first steps every POST endpoint takes with a body, and the errors they end in: over the size limit
// (413), not all there (408), not JSON (400), or a model no route serves (404). Worded once, so every endpoint says the same.
import type { ClientError } from "../client/errors.ts";
import { BODY_TIMEOUT_RULE, type BodyResult } from "../client/read-body.ts";

/** `raw` is there whenever the body was read (also when it is not JSON), for the request log. */
export type JsonBody =
  | { ok: true; raw: string; bytes: Buffer; json: unknown }
  | { ok: false; error: ClientError; raw?: string };

export function parseJsonBody(read: BodyResult, limit: number): JsonBody {
  if (!read.ok) return { ok: false, error: read.reason === "timeout" ? bodyStalled() : bodyTooLarge(limit) };
  const raw = read.body.toString("utf8");
  try {
    return { ok: true, raw, bytes: read.body, json: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, raw, error: { status: 400, logCode: "invalid_json", message: `request body is not valid JSON: ${(error as Error).message}` } };
  }
}

export function bodyTooLarge(limit: number): ClientError {
  return { status: 413, logCode: "request_too_large", message: `request body is larger than the ${limit} byte limit` };
}

/** A body that is JSON but not a valid request for the endpoint (its schema, a required field). */
export function invalidRequest(message: string, param?: string): ClientError {
  return param === undefined ? { status: 400, logCode: "invalid_request", message } : { status: 400, logCode: "invalid_request", message, param };
}

/** The rest of the body never came: what follows on the connection cannot be framed, so it is closed. */
export function bodyStalled(): ClientError {
  return { status: 408, code: "request_timeout", message: `request body incomplete: ${BODY_TIMEOUT_RULE}`, closeConnection: true };
}

export function modelNotRouted(model: string): ClientError {
  return { status: 404, code: "model_not_found", message: `model ${JSON.stringify(model)} is not routed by this gateway (GET /v1/models lists the models it serves)` };
}
