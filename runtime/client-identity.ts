// Who is calling: the key the client presented (Authorization: Bearer … or x-api-key) and its address.
// Rate limits, sticky balancing and conditional routes key on `keyId`, a short hash, so the raw key never
// reaches logs or shared state (Redis); the raw key is kept only for routes that forward it upstream
// (bring-your-own-key). Read synchronously in the uWS handler: the request object dies at the first await.
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";

export interface ClientIdentity {
  /** The key as presented, or null. Never logged. */
  readonly key: string | null;
  /** First 16 hex digits of sha256(key), or null when the client sent no key. */
  readonly keyId: string | null;
  /** The peer address as text (IPv4 or IPv6). */
  readonly ip: string;
}

const decoder = new TextDecoder();

export function presentedKey(req: HttpRequest): string | null {
  const authorization = req.getHeader("authorization");
  if (authorization !== "") {
    const space = authorization.indexOf(" ");
    const key = space > 0 && authorization.slice(0, space).toLowerCase() === "bearer" ? authorization.slice(space + 1).trim() : authorization.trim();
    if (key !== "") return key;
  }
  const apiKey = req.getHeader("x-api-key") || req.getHeader("api-key");
  return apiKey === "" ? null : apiKey;
}

export function keyIdOf(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

export function readClientIdentity(res: HttpResponse, req: HttpRequest): ClientIdentity {
  const key = presentedKey(req);
  return { key, keyId: key === null ? null : keyIdOf(key), ip: decoder.decode(res.getRemoteAddressAsText()) };
}
