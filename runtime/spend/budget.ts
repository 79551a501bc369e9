// Budgets that hold under concurrency. Before a request of a key with a budget is dispatched, its worst-case
// cost is reserved against the key's budget in the store, atomically (runtime/store/: one transaction in
// SQLite, one statement in PostgreSQL), so fifty requests racing for the last dollar cannot all pass: the
// store admits exactly those that fit. When the response ends the reservation is settled to the real cost;
// a request that failed settles to zero. Reservations left by an instance that died are released by a
// sweep after STALE_AFTER_MS.
//
// Worst case: the prompt estimate (runtime/usage/token-estimate.ts) at the dearer of the input and cache-write
// rates, plus max_tokens (or `budgets.max_tokens` when the client names none) at the output rate, on the
// dearest of the route's targets (any of them may end up serving). A request to a model with no known
// price cannot be bounded, so a key with a budget may not use one.
import type { Route } from "../contract.ts";
import type { ClientError } from "../client/errors.ts";
import type { ActiveKey } from "../access/keyring.ts";
import type { Store } from "../store/types.ts";
import { worstCaseNanos } from "./price.ts";
import { periodAdjective, periodWindow } from "./periods.ts";
import { appLog } from "../log/app-log.ts";

/** A reservation older than this belongs to an instance that died mid-request. */
export const STALE_AFTER_MS = 60 * 60_000;
const SWEEP_EVERY_MS = 60_000;

export interface Reservation {
  readonly id: string;
  readonly keyId: string;
  readonly period: string;
  readonly amountNanos: number;
}

export type ReserveOutcome = { readonly ok: true; readonly reservation: Reservation } | { readonly ok: false; readonly error: ClientError; readonly headers?: Record<string, string> };

/** What the request asks for, as far as its cost goes. */
export interface CostBound {
  /** The public model the client named (a forwarding target's upstream model). */
  readonly model: string;
  readonly promptTokens: number;
  /** max_tokens (or its newer names) from the request; null when it names none. */
  readonly maxTokens: number | null;
}

/** The output bound a request names: max_tokens, max_completion_tokens (OpenAI's newer name) or max_output_tokens; null when none. */
export function requestedMaxTokens(body: unknown): number | null {
  const request = body as { max_tokens?: unknown; max_completion_tokens?: unknown; max_output_tokens?: unknown };
  for (const value of [request.max_completion_tokens, request.max_tokens, request.max_output_tokens]) {
    if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  }
  return null;
}

export function usd(nanos: number): string {
  const dollars = nanos / 1e9;
  return `$${dollars >= 0.01 || dollars === 0 ? dollars.toFixed(2) : dollars.toPrecision(2)}`;
}

export class Budgets {
  private sweeper: NodeJS.Timeout | null = null;
  private reported = false;

  constructor(
    private readonly store: Store,
    /** Output tokens reserved when a request names no max_tokens (routes.yaml `budgets.max_tokens`). */
    private readonly defaultMaxTokens: number,
  ) {}

  startSweeping(): void {
    this.sweeper = setInterval(() => {
      this.store.releaseStaleReservations(Date.now() - STALE_AFTER_MS).catch((error: unknown) => this.report("release stale reservations", error));
    }, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** The most this request can cost on `route`, in nano-dollars; a ClientError when a target has no price. */
  worstCase(route: Route, bound: CostBound): number | ClientError {
    const outputTokens = bound.maxTokens ?? this.defaultMaxTokens;
    let worst = 0;
    for (const target of route.targets) {
      const upstreamModel = target.model ?? bound.model;
      const price = target.price(upstreamModel);
      if (price === null) {
        return {
          status: 403,
          code: "model_not_priced",
          message: `model ${JSON.stringify(bound.model)} can be served by ${target.upstream.name}:${upstreamModel}, which has no known price, so a key with a budget cannot use it (give the target a price: in routes.yaml)`,
        };
      }
      worst = Math.max(worst, worstCaseNanos(price, bound.promptTokens, outputTokens));
    }
    return worst;
  }

  async reserve(key: ActiveKey, requestId: string, route: Route, bound: CostBound, now = Date.now()): Promise<ReserveOutcome> {
    const budget = key.budget!;
    const worst = this.worstCase(route, bound);
    if (typeof worst !== "number") return { ok: false, error: worst };
    const window = periodWindow(budget.period, now);
    // A request priced at zero still needs some budget left: a spent budget stops everything.
    const amountNanos = Math.max(1, worst);
    const reservation: Reservation = { id: requestId, keyId: key.id, period: window.key, amountNanos };
    let result;
    try {
      result = await this.store.reserve({ reservationId: requestId, keyId: key.id, period: window.key, limitNanos: budget.limitNanos, amountNanos, now });
    } catch (error) {
      // Fail closed: a budget that cannot be checked is not a budget that holds.
      return { ok: false, error: { status: 503, code: "budget_unavailable", message: `cannot check the budget of API key ${key.id}: the store is unavailable (${(error as Error).message})` } };
    }
    if (result.ok) return { ok: true, reservation };
    const { spentNanos, reservedNanos } = result.usage;
    const left = Math.max(0, budget.limitNanos - spentNanos - reservedNanos);
    const resets = window.resetsAt === null ? "it does not reset (a total budget)" : `it resets at ${new Date(window.resetsAt).toISOString()}`;
    const held = reservedNanos > 0 ? `, ${usd(reservedNanos)} held by requests in flight` : "";
    const message =
      left === 0 && spentNanos >= budget.limitNanos
        ? `budget spent: API key ${key.id} (${key.name}) has spent ${usd(spentNanos)} of its ${periodAdjective(budget.period)} budget of ${usd(budget.limitNanos)}; ${resets}`
        : `budget exceeded: API key ${key.id} (${key.name}) has ${usd(left)} left of its ${periodAdjective(budget.period)} budget of ${usd(budget.limitNanos)} (${usd(spentNanos)} spent${held}), and this request may cost up to ${usd(amountNanos)}; ${resets}`;
    const headers = window.resetsAt === null ? undefined : { "retry-after": String(Math.max(1, Math.ceil((window.resetsAt - now) / 1000))) };
    return { ok: false, error: { status: 429, code: "budget_exceeded", message }, headers };
  }

  /** Ends a reservation at the request's real cost (0 when nothing was spent). Never throws. */
  settle(reservation: Reservation, costNanos: number): Promise<void> {
    return this.store
      .settle({ reservationId: reservation.id, keyId: reservation.keyId, period: reservation.period, costNanos })
      .catch((error: unknown) => this.report("settle a reservation", error));
  }

  private report(what: string, error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    appLog.warn({ store: this.store.where }, `cannot ${what} in ${this.store.where}: ${(error as Error).message}; further budget store errors are not reported`);
  }
}
