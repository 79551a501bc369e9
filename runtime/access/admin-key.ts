// The admin key (SWITCHYARD_ADMIN_KEY) guards the admin API (/admin/*) and, later, /metrics. It is read once
// at start and kept only as its SHA-256 digest; a presented key is hashed and compared in constant time.
// Without the variable the admin API is closed: every call gets a 401 that says how to open it.
import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpRequest } from "uWebSockets.js";
import { presentedKey } from "./client-identity.ts";
import { registerSecret } from "../log/secrets.ts";

export const ADMIN_KEY_VARIABLE = "SWITCHYARD_ADMIN_KEY";

export type AdminCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

export class AdminKey {
  private readonly digest: Buffer | null;

  constructor(value: string | undefined) {
    // Redacted wherever it might be written (a client pasting it into a prompt), like provider keys.
    if (value !== undefined) registerSecret(value);
    this.digest = value === undefined || value === "" ? null : createHash("sha256").update(value).digest();
  }

  get configured(): boolean {
    return this.digest !== null;
  }

  /** Reads the key from the request (Authorization: Bearer, x-api-key); call before any await. */
  check(req: HttpRequest): AdminCheck {
    if (this.digest === null) return { ok: false, message: `the admin API is disabled: start the gateway with ${ADMIN_KEY_VARIABLE} set` };
    const presented = presentedKey(req);
    if (presented === null) return { ok: false, message: "missing admin key: send it as Authorization: Bearer <key>" };
    const digest = createHash("sha256").update(presented).digest();
    return timingSafeEqual(digest, this.digest) ? { ok: true } : { ok: false, message: "invalid admin key" };
  }
}
