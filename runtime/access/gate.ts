// The gateway's door, the same for every model endpoint: who is calling (401 when a key is needed and
// missing, unknown, revoked or expired) and whether that key may use the model it asked for (403). The
// errors are ClientErrors, so each endpoint answers them in its client's own API format.
//
// A key Switchyard knows is honoured even when keys are not required (a loopback gateway): its policy,
// limits and budget apply, and a revoked one is refused. An unknown key on an open gateway is just the
// client's own credential (bring-your-own-key routes forward it) and the request is anonymous.
import type { ClientError } from "../client/errors.ts";
import type { ClientIdentity, RequestIdentity } from "./client-identity.ts";
import type { KeyCache } from "./keyring.ts";

const MISSING: ClientError = Object.freeze({
  status: 401,
  code: "missing_api_key",
  message: "missing API key: this gateway needs a Switchyard key as Authorization: Bearer <key> or x-api-key: <key>",
});
const INVALID: ClientError = Object.freeze({ status: 401, code: "invalid_api_key", message: "invalid API key: this gateway does not know it" });

export class AccessGate {
  constructor(
    /** null when there is no keyring at all (no store): every request is anonymous. */
    private readonly keys: KeyCache | null,
    /** Whether every model request must present a valid Switchyard key. */
    readonly required: boolean,
  ) {}

  /** Sets `identity.account` when the request presents a valid key; the 401 to answer otherwise, or null. */
  authenticate(identity: RequestIdentity, now = Date.now()): ClientError | null {
    const digest = identity.digest;
    if (digest === null) return this.required ? MISSING : null;
    if (this.keys === null) return this.required ? INVALID : null;
    const found = this.keys.lookup(digest, now);
    switch (found.kind) {
      case "valid":
        identity.account = found.key;
        return null;
      case "refused":
        identity.refusedKeyId = found.keyId;
        return { status: 401, code: "invalid_api_key", message: found.reason };
      case "unknown":
        return this.required ? INVALID : null;
    }
  }

  /** The 403 for a key that may not use `model`, or null. Anonymous requests are not restricted here. */
  refuseModel(identity: ClientIdentity, model: string): ClientError | null {
    const key = identity.account;
    if (key === null || key.allowsModel(model)) return null;
    const allowed = key.record.models!.join(", ");
    return { status: 403, code: "model_not_allowed", message: `API key ${key.id} (${key.name}) may not use model ${JSON.stringify(model)}; it may use: ${allowed}` };
  }
}
