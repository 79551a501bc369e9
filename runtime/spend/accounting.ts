// What every model endpoint does with money once a request has found its route: reserve against the key's
// budget before dispatch (runtime/spend/budget.ts), and when the response has ended, price the usage the
// upstream reported at the serving target's price, settle the reservation to it, add it to the spend ledger
// and hand the cost to the request log.
//
// When the upstream reported no usage (an OpenAI stream without include_usage, a stream the client left
// early), the cost is priced from the endpoint's estimate (the prompt estimate and the streamed text, about
// four characters a token) and logged as estimated; with no estimate either, a request with a reservation
// is charged what was reserved (overcharged perhaps, never overshot), one without is logged with no cost.
import type { Route, Target } from "../contract.ts";
import type { ClientError } from "../client/errors.ts";
import type { ClientIdentity } from "../access/client-identity.ts";
import type { Usage } from "../usage/usage.ts";
import { costNanos } from "./price.ts";
import type { Budgets, CostBound, Reservation } from "./budget.ts";
import type { SpendLedger } from "./ledger.ts";

/** The request log's view of what a request cost. */
export interface BookedCost {
  /** USD; null when unknown. */
  readonly usd: number | null;
  /** True when `usd` is the reservation, not a price times reported usage. */
  readonly estimated: boolean;
}

const UNKNOWN: BookedCost = Object.freeze({ usd: null, estimated: false });
const FREE: BookedCost = Object.freeze({ usd: 0, estimated: false });

/** A finished request, as far as its cost goes. */
export interface Finished {
  readonly time: number;
  readonly identity: ClientIdentity;
  /** The public model the client asked for. */
  readonly model: string;
  /** The target whose response went to the client; null when none did. */
  readonly target: Target | null;
  readonly status: number;
  readonly usage: Usage | null;
  /** What the gateway can tell of the usage when the upstream reported none (usage/token-estimate.ts); null: nothing. */
  readonly fallbackUsage: Usage | null;
  readonly reservation: Reservation | null;
}

export class Accounting {
  constructor(
    readonly budgets: Budgets | null,
    private readonly ledger: SpendLedger | null,
  ) {}

  /** Before dispatch: null when the key has no budget (or there is no key), else the reservation or the error to answer. */
  async reserve(identity: ClientIdentity, requestId: string, route: Route, bound: CostBound): Promise<Reservation | { error: ClientError; headers?: Record<string, string> } | null> {
    const key = identity.account;
    if (key === null || key.budget === null || this.budgets === null) return null;
    const outcome = await this.budgets.reserve(key, requestId, route, bound);
    return outcome.ok ? outcome.reservation : { error: outcome.error, headers: outcome.headers };
  }

  /** A request that never reached an upstream, or whose every try failed: its reservation is released. */
  release(reservation: Reservation | null): void {
    if (reservation !== null) void this.budgets?.settle(reservation, 0);
  }

  /** Prices, settles and records a finished request; returns what the log says it cost. */
  book(request: Finished): BookedCost {
    const { target, reservation } = request;
    const usage = request.usage ?? request.fallbackUsage;
    let booked: BookedCost;
    let nanos = 0;
    if (target === null || request.status >= 400) {
      // The upstream refused the request (or nothing answered): nothing was generated.
      booked = target === null ? UNKNOWN : FREE;
    } else if (usage !== null) {
      const price = target.price(target.model ?? request.model);
      if (price === null) booked = UNKNOWN;
      else {
        nanos = costNanos(price, usage);
        booked = { usd: nanos / 1e9, estimated: request.usage === null };
      }
    } else if (reservation !== null) {
      nanos = reservation.amountNanos;
      booked = { usd: nanos / 1e9, estimated: true };
    } else booked = UNKNOWN;
    if (reservation !== null) void this.budgets?.settle(reservation, nanos);
    if (this.ledger !== null && target !== null && request.status < 400) {
      this.ledger.add({
        time: request.time,
        keyId: request.identity.account?.id ?? null,
        model: request.model,
        provider: target.upstream.name,
        upstreamModel: target.model ?? request.model,
        inputTokens: usage?.input_tokens ?? 0,
        outputTokens: usage?.output_tokens ?? 0,
        cacheReadTokens: usage?.cache_read_input_tokens ?? 0,
        cacheWriteTokens: usage?.cache_creation_input_tokens ?? 0,
        costNanos: nanos,
      });
    }
    return booked;
  }
}
