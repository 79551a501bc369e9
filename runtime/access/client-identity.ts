// Who is calling: the key the client presented (Authorization: Bearer … or x-api-key) and its address.
// Rate limits, sticky balancing and conditional routes key on `keyId`, a short hash, so the raw key never
// reaches logs or shared state (Redis); the raw key is kept only for routes that forward it upstream
// (bring-your-own-key).
//
// Only the key is read eagerly (uWS's request object dies at the first await). The hash and the address are
// computed on first use: most routes never ask, and reading the peer address as text costs more than the
// rest of the request bookkeeping (measured with `make bench`: ~15 % of plain pass-through throughput).
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";

export interface ClientIdentity {
  /** The key as presented, or null. Never logged. */
  readonly key: string | null;
  /** First 16 hex digits of sha256(key), or null when the client sent no key. */
  readonly keyId: string | null;
  /** The peer address as text (IPv4 or IPv6); "" if first asked once the response has ended or the client has gone. */
  readonly ip: string;
}

/** What the identity needs to know about the response to read the peer address later. */
interface Peer {
  readonly aborted: boolean;
  readonly finished: boolean;
}

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

class LazyIdentity implements ClientIdentity {
  #keyId: string | null | undefined;
  #ip: string | undefined;

  constructor(
    readonly key: string | null,
    private readonly res: HttpResponse,
    private readonly peer: Peer,
  ) {}

  get keyId(): string | null {
    if (this.#keyId === undefined) this.#keyId = this.key === null ? null : keyIdOf(this.key);
    return this.#keyId;
  }

  get ip(): string {
    // uWS throws on any access to a response that has ended or whose client has gone.
    if (this.#ip === undefined) this.#ip = this.peer.aborted || this.peer.finished ? "" : Buffer.from(this.res.getRemoteAddressAsText()).toString("latin1");
    return this.#ip;
  }
}

/** `peer` is the request's ClientResponse: it knows when the client went away. */
export function readClientIdentity(res: HttpResponse, req: HttpRequest, peer: Peer): ClientIdentity {
  return new LazyIdentity(presentedKey(req), res, peer);
}
