// Who is calling: the key the client presented, the Switchyard key it authenticated as (runtime/access/
// gate.ts), and its address. Rate limits, sticky balancing, conditional routes and the request log key on
// `keyId`: the Switchyard key's id once authenticated, else a short hash of whatever key was presented, so a
// raw key never reaches logs or shared state (Redis).
//
// Two keys can arrive at once. `x-switchyard-api-key` carries the gateway key and leaves Authorization /
// x-api-key to the client's own provider key (bring-your-own-key routes forward it). Without that header the
// Authorization / x-api-key value is the gateway key, and once it authenticated as one it is never
// forwarded upstream.
//
// Only headers are read eagerly (uWS's request object dies at the first await), and the peer address, which
// uWS can only give while the response is open (about 2 µs). The hash is computed on first use.
import { BlockList, isIPv4 } from "node:net";
import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { ActiveKey } from "./keyring.ts";
import { hashKey } from "./key-text.ts";

export interface ClientIdentity {
  /** The key to forward upstream on bring-your-own-key routes, or null. Never logged. */
  readonly key: string | null;
  /** The Switchyard key's id when authenticated, else the first 16 hex digits of sha256(presented key), else null. */
  readonly keyId: string | null;
  /** The Switchyard key this request authenticated as; null: anonymous (auth off, or not yet checked). */
  readonly account: ActiveKey | null;
  /** The client's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy. */
  readonly ip: string;
}

/** The header that carries only a Switchyard key, for clients that send a provider key too. */
export const GATEWAY_KEY_HEADER = "x-switchyard-api-key";

/** The key in Authorization (Bearer or bare), x-api-key or api-key; null when none. */
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
  return hashKey(key).slice(0, 16);
}

/** Reverse proxies whose X-Forwarded-For is believed (server.trust_proxy), made once at start. */
export class TrustedProxies {
  private readonly list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split("/") as [string, string | undefined];
      const type = isIPv4(address) ? "ipv4" : "ipv6";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  /**
   * The client behind `peer`: walking X-Forwarded-For from the right (the entry the nearest proxy added),
   * the first address that is not a trusted proxy. Entries to its left were written by the client and
   * prove nothing.
   */
  clientOf(peer: string, forwardedFor: string): string {
    if (forwardedFor === "" || !this.trusts(peer)) return peer;
    const hops = forwardedFor.split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (hop !== "" && !this.trusts(hop)) return hop;
    }
    return hops[0]!.trim() || peer;
  }

  private trusts(address: string): boolean {
    try {
      return this.list.check(address, isIPv4(address) ? "ipv4" : "ipv6");
    } catch {
      return false;
    }
  }
}

class RequestIdentity implements ClientIdentity {
  #digest: string | null | undefined;
  account: ActiveKey | null = null;
  /** Set when the key is one Switchyard knows but refused (revoked, expired): the log names it by its id. */
  refusedKeyId: string | null = null;
  readonly ip: string;

  constructor(
    /** The key Switchyard authenticates: x-switchyard-api-key, else the presented key. */
    readonly gatewayKey: string | null,
    private readonly presented: string | null,
    /** Whether the presented key is the gateway key itself (no x-switchyard-api-key header). */
    private readonly sameKey: boolean,
    ip: string,
  ) {
    this.ip = ip;
  }

  get key(): string | null {
    // A Switchyard key is the gateway's own credential: it never travels upstream.
    return this.sameKey && this.account !== null ? null : this.presented;
  }

  /** The gateway key's hex SHA-256, computed once: the keyring looks it up, the log names anonymous keys by it. */
  get digest(): string | null {
    if (this.#digest === undefined) this.#digest = this.gatewayKey === null ? null : hashKey(this.gatewayKey);
    return this.#digest;
  }

  get keyId(): string | null {
    if (this.account !== null) return this.account.id;
    if (this.refusedKeyId !== null) return this.refusedKeyId;
    return this.digest === null ? null : this.digest.slice(0, 16);
  }
}

export type { RequestIdentity };

/** Reads the keys and the address of a request; `proxies` only when server.trust_proxy names some. */
export function readClientIdentity(res: HttpResponse, req: HttpRequest, proxies: TrustedProxies | null = null): RequestIdentity {
  const presented = presentedKey(req);
  const gatewayHeader = req.getHeader(GATEWAY_KEY_HEADER);
  const peer = Buffer.from(res.getRemoteAddressAsText()).toString("latin1");
  const ip = proxies === null ? peer : proxies.clientOf(peer, req.getHeader("x-forwarded-for"));
  return gatewayHeader === "" ? new RequestIdentity(presented, presented, true, ip) : new RequestIdentity(gatewayHeader, presented, false, ip);
}
